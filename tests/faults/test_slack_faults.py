"""Slack failing a share of calls at random (429 with Retry-After, 500, or a call that took
effect but answered after the client gave up): every card and every reply still lands
exactly once. The same customer messages run first against a Slack that never fails;
the run with faults must open the same tickets and post the same messages, once each.

The default suite runs 12 messages at a 30% failure rate on SQLite; the `slow` variant 36
(three visits each: linked threads too) on PostgreSQL."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from standin.slack_api import SlackStub
from tests.support.app_harness import OPERATOR, RELAY, Harness, harness_settings, open_harness
from tests.support.relay import customer_says

DARTMOUTH = "C0RELAYDART"
ROUTED = ("C0FAC", "C0TECH")
#: What fails: every call the outbox makes (posts, updates, badges, and its lookups).
LINKED = re.compile(
    r"linked (?:another conversation|(?P<count>\d+) other conversations) to it — (?P<ticket>.*)"
)
POSTING = (
    "chat.postMessage",
    "chat.update",
    "reactions.add",
    "reactions.remove",
    "conversations.replies",
    "conversations.history",
)
PROBLEMS = (
    (RELAY, "the projector in bay 1 is cracked"),
    (RELAY, "no balls in bay 2"),
    (RELAY, "toilet is overflowing in the mens room"),
    (RELAY, "the front door lock is broken, it won't latch"),
    (RELAY, "bay 3 hitting mat is torn"),
    (RELAY, "the heat is not working, it's freezing in here"),
    (DARTMOUTH, "bay 4 projector is really dim"),
    (DARTMOUTH, "trackman in bay 5 keeps freezing even after the restart"),
    (DARTMOUTH, "water leaking from the ceiling near the entrance"),
    (DARTMOUTH, "the bathroom sink is clogged"),
    (DARTMOUTH, "bay 2 net has a big hole in it"),
    (DARTMOUTH, "the ladies toilet won't flush"),
)
TICKET_ID = re.compile(r"T-\d+")


def message_ts(n: int) -> str:
    return f"1733000000.{n:06d}"


def slack_record(
    stub: SlackStub, threads: list[tuple[str, str]], titles: dict[str, str]
) -> Counter[tuple[str, ...]]:
    """Every message the app left, as (where, what), tickets named by their titles (two
    runs may number them in another order)."""

    def what(message: dict[str, str]) -> str:
        return TICKET_ID.sub(lambda m: titles[m.group(0)], message.get("text", ""))

    seen: Counter[tuple[str, ...]] = Counter()
    for channel, ts in threads:
        for message in stub.messages(channel, ts)[1:]:  # the customer's own message first
            line = what(message)
            linked = LINKED.search(line)
            if linked is None:
                seen[(channel, ts, line)] += 1
                continue
            # Said in the ticket's first thread: which report came first to triage may vary
            # between runs (two drains), and so may how many links one line folds ("linked
            # 2 other conversations", when both were queued at once); the links told may not.
            told = int(linked.group("count") or 1)
            seen[(channel, "first thread", f"linked to {linked.group('ticket')}")] += told
    for channel in ROUTED:
        for message in stub.messages(channel):
            seen[(channel, what(message))] += 1
    return seen


async def run_club_day(h: Harness, messages: list[tuple[str, str]], timeout: float) -> None:
    """The customers write; triage opens tickets; an operator takes each one."""
    for n, (channel, text) in enumerate(messages):
        ts = message_ts(n)
        h.stub.set_replies(channel, ts, [{"ts": ts, "text": text, "bot_id": "B0RELAY"}])
        answer = await h.post(customer_says(text, ts, channel=channel, customer=f"cust_{n}"))
        assert answer.status_code == 200
    await h.settle(timeout)
    for ticket in await h.tickets():
        await h.runtime.operations.assign(OPERATOR, ticket.ticket_id, OPERATOR)
    await h.settle(timeout)


async def outcome(
    stub: SlackStub, database_url: str, messages: list[tuple[str, str]], timeout: float
) -> tuple[list[str], Counter[tuple[str, ...]]]:
    async with open_harness(stub, harness_settings(stub, database_url, slack_timeout_s=1)) as h:
        await run_club_day(h, messages, timeout)
        titles = {t.ticket_id: f"{t.title} at {t.location}" for t in await h.tickets()}
    threads = [(channel, message_ts(n)) for n, (channel, _) in enumerate(messages)]
    return sorted(titles.values()), slack_record(stub, threads, titles)


async def check_exactly_once(
    slack_stub: SlackStub,
    db_url: str,
    control_db: str,
    messages: list[tuple[str, str]],
    seed: int,
    timeout: float = 120,
) -> None:
    expected_tickets, expected = await outcome(slack_stub, control_db, messages, 30)
    assert len(expected_tickets) >= len(PROBLEMS) - 2  # the messages are problems
    # Identical lines may repeat by design ("linked another conversation to it" once per
    # linked thread), so the run without faults is the measure.
    assert expected
    slack_stub.reset()

    slack_stub.fail_randomly(0.3, seed=seed, late_seconds=2, methods=POSTING)
    tickets, delivered = await outcome(slack_stub, db_url, messages, timeout)
    statuses = Counter(c.status for method in POSTING for c in slack_stub.calls(method))
    assert statuses[429] and statuses[500], f"faults not injected: {statuses}"
    assert tickets == expected_tickets
    assert delivered == expected  # each message once: nothing lost, nothing twice


def fresh_sqlite(tmp_path: Path, sqlite_template: Path, name: str) -> str:
    path = tmp_path / f"{name}.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(name="control_db")
def control_db_fixture(tmp_path: Path, sqlite_template: Path) -> str:
    return fresh_sqlite(tmp_path, sqlite_template, "control")


async def test_every_card_and_reply_lands_once_while_slack_fails_30_percent(
    slack_stub: SlackStub, control_db: str, tmp_path: Path, sqlite_template: Path
) -> None:
    # SQLite only here (the waits are the outbox's back-off); both databases in `slow`.
    faulty_db = fresh_sqlite(tmp_path, sqlite_template, "faulty")
    await check_exactly_once(slack_stub, faulty_db, control_db, list(PROBLEMS), seed=7)


@pytest.mark.slow
@pytest.mark.timeout(900)  # a row may meet ten faults in a row: the back-off adds up
@pytest.mark.parametrize("seed", [1])
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite: the default test
async def test_sixty_messages_each_delivered_once_through_random_slack_failures(
    slack_stub: SlackStub, db_url: str, control_db: str, seed: int
) -> None:
    messages = [(channel, f"{text} (visit {n})") for n in range(3) for channel, text in PROBLEMS]
    await check_exactly_once(slack_stub, db_url, control_db, messages, seed=seed, timeout=600)
