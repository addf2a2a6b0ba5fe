"""A huge relayed message (40,000 characters) through the real `serve` (a subprocess, on
its own port, against the Slack stand-in): Slack's ack comes back at once, triage reads
only the start of the message, and `/healthz`, asked all along, keeps answering fast."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from bot.tickets.service import TicketService
from bot.triage.types import MAX_TRIAGE_CHARS
from standin.slack_api import SlackStub
from standin.slack_requests import DEFAULT_SIGNING_SECRET, post_signed
from storage.db import Database
from storage.inbox import InboxRepository
from tests.support.app_harness import RELAY, TEST_CONFIG
from tests.support.cli import cli_env, serving
from tests.support.relay import customer_says

# Generous bounds: a loop blocked by triage would stall for seconds, not tenths; the ack
# gets half of the 3 s Slack allows. On a machine so loaded that `/healthz` is slow on its
# own (the baseline, asked before any message), the bound is twice its slowest answer.
HEALTH_BOUND_S = 0.5
ACK_BOUND_S = 1.5
PROBE_EVERY_S = 0.02
BASELINE_S = 1.0

FILLER = (
    "we had a great time tonight, the staff were lovely and my buddy finally beat me on "
    "the back nine. "
)
BALLS = "hey there are no balls in box 2. "
HUGE_REPORT = (BALLS + FILLER * 500)[:40_000]  # a ticket: no balls in bay 2
HUGE_CHAT = (FILLER * 500)[:40_000]  # no ticket
TS = ("1732550000.000100", "1732550100.000100")


def serve_env(stub: SlackStub, database_url: str) -> dict[str, str]:
    """`serve` with Slack (the stand-in), the test club, and its default triage backend."""
    env = {k: v for k, v in cli_env(database_url).items() if not k.startswith("OPENAI_")}
    return env | {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": DEFAULT_SIGNING_SECRET,
        "SLACK_API_URL": stub.base_url,
        "CLUBOS_CONFIG": str(TEST_CONFIG),
        "TRIAGE_BACKEND": "auto",
    }


async def probe_health(
    http: httpx.AsyncClient, stop: asyncio.Event, within: float | None = None
) -> list[float]:
    """Ask `/healthz` again and again until `stop` (or for `within` seconds); how long
    each answer took."""
    took: list[float] = []
    until = time.monotonic() + within if within is not None else float("inf")
    while not stop.is_set() and time.monotonic() < until:
        started = time.monotonic()
        answer = await http.get("/healthz")
        took.append(time.monotonic() - started)
        assert answer.status_code == 200, answer.text
        await asyncio.sleep(PROBE_EVERY_S)
    return took


async def outcomes(database: Database, timeout: float = 30) -> list[str]:
    """Each message's triage action, once all of them are triaged."""
    deadline = time.monotonic() + timeout
    while True:
        async with database.unit_of_work() as session:
            inbox = InboxRepository(session)
            rows = [await inbox.get(f"relay:{RELAY}:{ts}") for ts in TS]
        if all(row is not None and row.status == "done" for row in rows):
            return [str(row.result["action"]) for row in rows if row and row.result]
        assert time.monotonic() < deadline, [row and (row.status, row.last_error) for row in rows]
        await asyncio.sleep(0.1)


async def test_a_huge_message_is_triaged_while_health_stays_fast(
    slack_stub: SlackStub, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/serve.db"
    database = Database(url)
    stop = asyncio.Event()
    with serving(tmp_path, serve_env(slack_stub, url), slack=True) as served:
        async with httpx.AsyncClient(base_url=served.base_url, timeout=10) as http:
            baseline = await probe_health(http, stop, within=BASELINE_S)
            probe = asyncio.create_task(probe_health(http, stop))
            acks = []
            for text, ts in zip((HUGE_REPORT, HUGE_CHAT), TS, strict=True):
                started = time.monotonic()
                answer = await post_signed(http, DEFAULT_SIGNING_SECRET, customer_says(text, ts))
                acks.append(time.monotonic() - started)
                assert answer.status_code == 200, answer.text
            try:
                actions = await outcomes(database)
            finally:
                stop.set()
                health = await probe
    async with database.unit_of_work() as session:
        [ticket] = await TicketService(session).list()
    await database.dispose()

    assert actions == ["ticket", "none"]
    assert (ticket.title, ticket.bay) == ("No balls in Bay 2", 2)
    assert BALLS.strip() in ticket.description  # the start, read and kept...
    assert len(ticket.description) <= MAX_TRIAGE_CHARS + 200  # ...not the whole paste
    assert max(acks) < ACK_BOUND_S, acks
    bound = max(HEALTH_BOUND_S, 2 * max(baseline))
    assert health and max(health) < bound, (len(health), max(health), max(baseline))
