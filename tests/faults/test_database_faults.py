"""The database failing while customers write: SQLite busy (another connection holding the
write lock while messages are acked and triaged) and PostgreSQL dropping the app's
connections (`pg_terminate_backend`) while messages flow. Nothing acknowledged is lost and
nothing is doubled: every message Slack got a 200 for is triaged into its ticket, each
thread in one ticket; a message that could not be stored is not answered 200 (Slack
retries it, as the tests do here with Slack's retry header)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from collections import Counter
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.intake.relay_inbox import RELAY_KIND
from standin.slack_api import SlackStub
from storage.models import InboxEventRow
from tests.faults.llm_faults import Message, club_day
from tests.support.app_harness import Harness, harness_settings, open_harness
from tests.support.relay import customer_says

ROUTED = ("C0FAC", "C0TECH")
SLACK_RETRIES = 3  # Slack redelivers an event three times when it gets no 200


async def deliver(h: Harness, m: Message) -> tuple[int, list[int]]:
    """Post `m` as Slack does: again with the retry header until it gets a 200 (or Slack
    gives up); the number of the delivery that got it (0: the first) and every status."""
    statuses: list[int] = []
    for attempt in range(SLACK_RETRIES + 1):
        request = customer_says(m.text, m.ts, channel=m.channel, customer=f"cust_{m.n}")
        retry = {"retry_num": attempt, "retry_reason": "http_error"} if attempt else {}
        answer: httpx.Response = await h.post(request, **retry)
        statuses.append(answer.status_code)
        if answer.status_code == 200:
            return attempt, statuses
        await asyncio.sleep(0.5)
    return -1, statuses


async def check_each_once(h: Harness, messages: list[Message], timeout: float) -> Counter[str]:
    """Every message triaged: problems in a ticket, noise in none, each thread in exactly one
    ticket, each ticket's card posted once in its thread. The outcomes, counted."""
    await h.settle(timeout)
    async with h.runtime.database.unit_of_work() as session:
        rows = await session.scalars(select(InboxEventRow).where(InboxEventRow.kind == RELAY_KIND))
        by_ts = {str(row.payload["ts"]): row for row in rows}
    tickets = await h.tickets()
    threads = Counter(thread for t in tickets for thread in t.linked_threads)
    outcomes: Counter[str] = Counter()
    for m in messages:
        row = by_ts[m.ts]
        assert row.status == "done", (m.text, row.status, row.last_error)
        result = row.result or {}
        outcomes[str(result["action"])] += 1
        if m.kind == "noise":
            assert result["ticket_id"] is None, (m.text, result)
            continue
        assert result["action"] in ("ticket", "linked"), (m.text, result)
        assert threads[f"{m.channel}:{m.ts}"] == 1, (m.text, threads)
    assert len(by_ts) == len(messages)
    assert outcomes["ticket"] == len(tickets)
    posted = [x for m in messages for x in h.stub.messages(m.channel, m.ts)[1:]]
    posted += [x for channel in ROUTED for x in h.stub.messages(channel)]
    notices = Counter(str(x.get("metadata", {}).get("event_payload")) for x in posted)
    assert notices and max(notices.values()) == 1, notices  # each outbox post once
    for ticket in tickets:
        channel, ts = ticket.linked_threads[0].split(":")
        cards = [x for x in h.stub.messages(channel, ts) if x["text"].startswith(ticket.ticket_id)]
        assert len(cards) == 1, (ticket.ticket_id, cards)
    return outcomes


# --------------------------------------------------------------------------- SQLite busy


def hold_write_lock(path: Path, seconds: float, held: asyncio.Event | None = None) -> int:
    """Another process's writer: `BEGIN IMMEDIATE` on the file for `seconds`. Returns how
    many relay messages were waiting for triage when it took the lock."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        conn.execute("BEGIN IMMEDIATE")
        waiting = conn.execute(
            "SELECT count(*) FROM inbox_events WHERE status IN ('pending', 'processing')"
        ).fetchone()[0]
        time.sleep(seconds)
        conn.execute("COMMIT")
        return int(waiting)
    finally:
        conn.close()


@pytest.fixture(name="sqlite_file")
def sqlite_file_fixture(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "busy.db"
    shutil.copy(sqlite_template, path)
    return path


async def test_sqlite_busy_while_messages_are_acked_and_triaged(
    slack_stub: SlackStub, sqlite_file: Path
) -> None:
    messages = club_day(24, seed=5)
    before, during = messages[:12], messages[12:]
    settings = harness_settings(slack_stub, f"sqlite+aiosqlite:///{sqlite_file}")
    async with open_harness(slack_stub, settings) as h:
        for m in before:
            assert (await h.post(customer_says(m.text, m.ts, channel=m.channel))).status_code == 200
        # The lock taken while triage works on the first messages; the rest arrive under it.
        lock = asyncio.create_task(asyncio.to_thread(hold_write_lock, sqlite_file, 2.0))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        deliveries = await asyncio.gather(*(deliver(h, m) for m in during))
        acked_in = time.monotonic() - started
        waiting = await lock
        assert [attempt for attempt, _ in deliveries] == [0] * len(during), deliveries
        outcomes = await check_each_once(h, messages, timeout=30)
    print(
        f"\nSQLite busy: 2.0 s write lock, {waiting} messages awaiting triage under it, "
        f"{len(during)} acked during it (all 200 at the first delivery, the last after "
        f"{acked_in:.1f} s); outcomes {dict(outcomes)}"
    )


async def test_sqlite_locked_past_the_busy_timeout_is_not_acked(
    slack_stub: SlackStub, sqlite_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A lock held longer than the app waits: the insert fails; Slack must not get a 200.
    monkeypatch.setattr("storage.db.SQLITE_BUSY_TIMEOUT_S", 1.0)
    messages = club_day(16, seed=6)
    settings = harness_settings(slack_stub, f"sqlite+aiosqlite:///{sqlite_file}")
    async with open_harness(slack_stub, settings) as h:
        deliveries = [await deliver(h, m) for m in messages[:8]]
        lock = asyncio.create_task(asyncio.to_thread(hold_write_lock, sqlite_file, 3.0))
        await asyncio.sleep(0.2)
        deliveries += await asyncio.gather(*(deliver(h, m) for m in messages[8:]))
        await lock
        outcomes = await check_each_once(h, messages, timeout=30)
    refused = Counter(s for _, statuses in deliveries for s in statuses if s != 200)
    retried = sum(1 for attempt, _ in deliveries if attempt > 0)
    print(
        f"\nSQLite locked past the busy timeout: {retried} of {len(messages)} messages "
        f"refused ({dict(refused)}) and stored on Slack's retry; outcomes {dict(outcomes)}"
    )
    assert retried and all(attempt >= 0 for attempt, _ in deliveries), deliveries
    assert set(refused) <= {500, 503}, refused


# --------------------------------------------------------------------------- PostgreSQL drops


async def terminate_backends(url: str, times: int, every: float) -> int:
    """Drop every other connection to the app's database `times` times; how many died."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    killed = 0
    try:
        for _ in range(times):
            await asyncio.sleep(every)
            rows = await conn.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            killed += sum(1 for row in rows if row[0])
    finally:
        await conn.close()
    return killed


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_postgres_connections_dropped_while_messages_flow(
    slack_stub: SlackStub, db_url: str
) -> None:
    messages = club_day(30, seed=8)
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url)) as h:
        killer = asyncio.create_task(terminate_backends(db_url, times=12, every=0.25))
        deliveries = [await deliver(h, m) for m in messages]
        killed = await killer
        outcomes = await check_each_once(h, messages, timeout=60)
    refused = Counter(s for _, statuses in deliveries for s in statuses if s != 200)
    print(
        f"\nPostgreSQL drops: {killed} backends terminated in 12 rounds while {len(messages)} "
        f"messages arrived; refused deliveries {dict(refused)} (stored on retry); "
        f"outcomes {dict(outcomes)}"
    )
    assert killed > 0
    assert all(attempt >= 0 for attempt, _ in deliveries), deliveries
    assert set(refused) <= {500, 503}, refused
