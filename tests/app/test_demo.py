"""`clubos-tickets demo --once` run as a person runs it: each sample conversation ends as
this module's own table says, in the transcript it prints and in the database; it ends by
itself, in time, with a chart and a sign-in link; without DATABASE_URL each run starts
afresh."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.demo.script import STEPS, THREADS, CustomerSays, OperatorResolves
from bot.tickets.domain import Source, Ticket, TicketFilter
from bot.tickets.reads import ReadOperations, TicketHistory
from storage.db import Database
from tests.support.cli import run
from tests.support.demo import (
    BOT,
    CHART,
    DEMO_TIMEOUT_S,
    SIGN_IN_LINK,
    ThreadShown,
    demo_env,
    demo_folder,
    monitoring_shown,
    threads_shown,
    tickets_listed,
)

#: Well inside DEMO_TIMEOUT_S: the replay takes seconds, not a minute.
WELL_IN_TIME_S = 40.0
OPERATOR = "U0OP1"  # the sample configuration's operator, who works the Dartmouth ticket
PNG = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Outcome:
    category: str
    priority: str
    status: str


#: What each sample conversation ends with, by (location, customer): its ticket, or None
#: where there is no job for anyone. Both Halifax toilet threads share one ticket.
OUTCOMES: dict[tuple[str, str], Outcome | None] = {
    ("Bedford", "Jess M."): Outcome("facilities", "medium", "open"),
    ("Bedford", "Chris P."): None,  # what time do you close
    ("Dartmouth", "Priya S."): Outcome("tech", "high", "resolved"),
    ("Dartmouth", "Sam K."): None,  # a booking
    ("Halifax", "Marco D."): Outcome("facilities", "high", "open"),
    ("Halifax", "Dana L."): Outcome("facilities", "high", "open"),
    ("Halifax", "Wei C."): Outcome("tech", "medium", "open"),
    ("Stratford", "Alex R."): Outcome("facilities", "low", "open"),  # "mark this CRITICAL"
    ("Stratford", "Jordan T."): None,  # thanks
}
TRURO = ("Truro", Outcome("tech", "critical", "open"))  # from three trackmans offline
ALL_TICKETS = [f"T-{n}" for n in range(1, 7)]


@dataclass(frozen=True)
class DemoRun:
    completed: subprocess.CompletedProcess[str]
    seconds: float
    database_url: str

    @property
    def stdout(self) -> str:
        return self.completed.stdout


def run_demo(env: dict[str, str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    completed = run(["demo", "--once", "--port", "0"], env=env, cwd=cwd, timeout=DEMO_TIMEOUT_S)
    return completed, time.monotonic() - started


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    scratch = tmp_path_factory.mktemp("demo")
    url = f"sqlite+aiosqlite:///{scratch / 'demo.db'}"
    completed, seconds = run_demo(demo_env(url, scratch), scratch)
    return DemoRun(completed, seconds, url)


@pytest.fixture(scope="module")
def shown(demo: DemoRun) -> dict[tuple[str, str], ThreadShown]:
    return {(t.location, t.customer): t for t in threads_shown(demo.stdout)}


async def read_tickets(url: str) -> list[Ticket]:
    database = Database(url)
    try:
        return list(await ReadOperations(database).list(TicketFilter()))
    finally:
        await database.dispose()


async def read_history(url: str, ticket_id: str) -> TicketHistory:
    database = Database(url)
    try:
        return await ReadOperations(database).history(ticket_id)
    finally:
        await database.dispose()


def customer_texts() -> dict[tuple[str, str], list[str]]:
    """What each customer says in the script, in order, by (location, customer)."""
    who = {thread.key: (thread.location, thread.customer) for thread in THREADS}
    said: dict[tuple[str, str], list[str]] = {}
    for step in STEPS:
        if isinstance(step, CustomerSays):
            said.setdefault(who[step.thread], []).append(step.text)
    return said


def only_ticket(thread: ThreadShown) -> str:
    """The one ticket the cards in `thread` show."""
    ids = {card[0] for card in thread.cards()}
    assert len(ids) == 1, thread
    return ids.pop()


def test_the_demo_ends_by_itself_in_time_without_a_traceback(demo: DemoRun) -> None:
    assert demo.completed.returncode == 0, demo.completed.stderr
    assert demo.seconds < WELL_IN_TIME_S
    assert "Traceback" not in demo.completed.stderr
    assert "Traceback" not in demo.stdout


def test_each_thread_shows_its_customers_lines_in_order(
    shown: dict[tuple[str, str], ThreadShown],
) -> None:
    assert set(shown) == set(OUTCOMES)
    for (location, customer), texts in customer_texts().items():
        assert shown[location, customer].said_by(customer) == texts


def test_each_thread_shows_the_card_of_its_ticket_or_none(
    shown: dict[tuple[str, str], ThreadShown],
) -> None:
    for key, outcome in OUTCOMES.items():
        cards = shown[key].cards()
        if outcome is None:
            assert cards == [], key
            assert not any("T-" in text for text in shown[key].said_by(BOT)), key
            continue
        only_ticket(shown[key])
        assert {card[1:] for card in cards} == {astuple(outcome)}, key


def astuple(outcome: Outcome) -> tuple[str, str, str]:
    return (outcome.category, outcome.priority, outcome.status)


async def test_the_database_holds_each_expected_ticket_exactly_once(
    demo: DemoRun, shown: dict[tuple[str, str], ThreadShown]
) -> None:
    tickets = await read_tickets(demo.database_url)
    for (location, customer), outcome in OUTCOMES.items():
        thread = shown[location, customer]
        linked = [t for t in tickets if any(r.endswith(f":{thread.ts}") for r in t.linked_threads)]
        if outcome is None:
            assert linked == [], (location, customer)
            continue
        assert len(linked) == 1, (location, customer)
        ticket = linked[0]
        assert ticket.ticket_id == only_ticket(thread)
        assert (ticket.category.value, ticket.priority.value, ticket.status.value) == astuple(
            outcome
        )
        assert ticket.location == location
    assert sorted(t.ticket_id for t in tickets) == ALL_TICKETS


async def test_bedford_closure_is_suggested_after_balls_are_back_and_the_ticket_stays_open(
    demo: DemoRun, shown: dict[tuple[str, str], ThreadShown]
) -> None:
    thread = shown["Bedford", "Jess M."]
    ticket_id = only_ticket(thread)
    said = [(m.who, m.text) for m in thread.messages]
    back = next(i for i, (who, text) in enumerate(said) if "balls are back" in text)
    assert said[back][0] == "Jess M."

    def suggests(who: str, text: str) -> bool:
        return who == BOT and ticket_id in text and "resolve" in text.lower()

    assert not any(suggests(*message) for message in said[:back])
    assert any(suggests(*message) for message in said[back + 1 :])
    ticket = (await read_history(demo.database_url, ticket_id)).ticket
    assert (ticket.status.value, ticket.resolved_at) == ("open", None)


async def test_dartmouth_gets_a_ticket_only_once_the_reset_failed_then_it_is_worked(
    demo: DemoRun, shown: dict[tuple[str, str], ThreadShown]
) -> None:
    thread = shown["Dartmouth", "Priya S."]
    first, second, *rest = thread.messages
    assert (first.who, second.who) == ("Priya S.", "Priya S.")  # no card after "reset it?"
    assert "still frozen after the reset" in second.text
    assert rest[0].who == BOT and rest[0].text.startswith(f"card {only_ticket(thread)} ")
    notes = next(step.notes for step in STEPS if isinstance(step, OperatorResolves))
    later = " ".join(m.text for m in rest[1:])
    assert later.index("In progress") < later.index("Resolved") < later.index(notes)

    history = await read_history(demo.database_url, only_ticket(thread))
    changes = [
        (event.actor, *event.changes["status"])
        for event in history.events
        if event.action == "status"
    ]
    assert changes == [(OPERATOR, "open", "in_progress"), (OPERATOR, "in_progress", "resolved")]
    assert history.ticket.resolution_notes == notes


async def test_both_halifax_toilet_threads_share_one_ticket(
    demo: DemoRun, shown: dict[tuple[str, str], ThreadShown]
) -> None:
    marco, dana = shown["Halifax", "Marco D."], shown["Halifax", "Dana L."]
    assert only_ticket(marco) == only_ticket(dana)
    tickets = await read_tickets(demo.database_url)
    toilet = next(t for t in tickets if t.ticket_id == only_ticket(marco))
    assert len(toilet.linked_threads) == 2
    assert {ref.split(":")[1] for ref in toilet.linked_threads} == {marco.ts, dana.ts}
    halifax_facilities = [
        t for t in tickets if t.location == "Halifax" and t.category.value == "facilities"
    ]
    assert halifax_facilities == [toilet]


async def test_three_bays_offline_at_truro_open_exactly_one_critical_ticket(
    demo: DemoRun,
) -> None:
    answers = monitoring_shown(demo.stdout)
    assert [a.where for a in answers] == [f"Truro bay {bay}" for bay in (1, 2, 3)]
    opened = [a for a in answers if a.ticket_id is not None]
    assert [a.decision for a in opened] == ["ticket_opened"]

    tickets = await read_tickets(demo.database_url)
    location, outcome = TRURO
    truro = [t for t in tickets if t.location == location]
    assert [t.ticket_id for t in truro] == [opened[0].ticket_id]
    assert (truro[0].category.value, truro[0].priority.value, truro[0].status.value) == (
        astuple(outcome)
    )
    assert truro[0].source is Source.SYSTEM_EVENT
    assert [t.ticket_id for t in tickets if t.priority.value == "critical"] == [truro[0].ticket_id]


def test_the_chart_is_a_png_and_the_sign_in_link_is_one_line(demo: DemoRun) -> None:
    chart = CHART.search(demo.stdout)
    assert chart is not None, demo.stdout
    assert Path(chart.group(1).strip()).read_bytes()[:8] == PNG
    links = SIGN_IN_LINK.findall(demo.stdout)
    assert len(links) == 1, demo.stdout
    url, port, token = links[0]
    assert int(port) > 0 and url == f"http://127.0.0.1:{port}"
    assert len(token) > 20


async def test_without_database_url_each_run_starts_afresh(tmp_path: Path) -> None:
    folders = []
    for _ in range(2):
        completed, _seconds = run_demo(demo_env(None, tmp_path), tmp_path)
        assert completed.returncode == 0, completed.stderr
        assert tickets_listed(completed.stdout) == ALL_TICKETS
        folder = demo_folder(completed.stdout)
        assert folder.parent == tmp_path
        tickets = await read_tickets(f"sqlite+aiosqlite:///{folder / 'demo.db'}")
        assert sorted(t.ticket_id for t in tickets) == ALL_TICKETS
        folders.append(folder)
    assert folders[0] != folders[1]
