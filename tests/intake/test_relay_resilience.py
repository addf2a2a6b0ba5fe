"""Relay triage keeps its promises when things go wrong: restarts, a worker that died
holding a message, a database that refuses, odd relay payloads. Signed Slack events in,
the Slack stub out, SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import text

from bot.intake.relay_inbox import RELAY_KIND
from bot.intake.worker import MAX_ATTEMPTS
from bot.tickets.domain import Category, Priority
from standin.slack_api import SlackStub
from storage.inbox import InboxRepository
from tests.intake.relay_support import (
    META,
    T1,
    T2,
    T3,
    cards_in_thread,
    inbox_row,
    triaged,
)
from tests.support.app_harness import RELAY, Harness, harness_settings, open_harness
from tests.support.relay import customer_says
from tests.support.workers import gone_worker, live_presence, register

# --------------------------------------------------------------------------- restarts


async def test_a_message_stored_while_no_worker_runs_is_triaged_after_restart(
    slack_stub: SlackStub, db_url: str
) -> None:
    settings = harness_settings(slack_stub, db_url)
    async with open_harness(slack_stub, settings, start=False) as down:
        answer = await down.post(customer_says("toilet is overflowing in the bathroom", T1))
        assert answer.status_code == 200  # Slack got its 200: the message must not be lost
        row = await inbox_row(down, T1)
        assert (row.status, row.attempts) == ("pending", 0)
        assert await down.tickets() == []
    assert slack_stub.calls("chat.postMessage") == []

    async with open_harness(slack_stub, settings) as up:
        row = await triaged(up, T1)  # the new process's worker, on its own
        await up.settle()
        [ticket] = await up.tickets()
        assert (ticket.category, ticket.priority) == (Category.FACILITIES, Priority.HIGH)
        assert row.attempts == 1
        assert len(cards_in_thread(up, T1)) == 1


async def test_a_message_claimed_by_a_worker_that_died_is_resumed_at_once(
    slack_stub: SlackStub, db_url: str
) -> None:
    settings = harness_settings(slack_stub, db_url)
    async with open_harness(slack_stub, settings, start=False) as down:
        await down.post(customer_says("toilet is overflowing in the bathroom", T1))
        database = down.runtime.database
        alive, dead = await live_presence(database), gone_worker()
        await register(database, dead)
        async with database.unit_of_work() as session:
            [claimed] = await InboxRepository(session).claim_due(RELAY_KIND, 10, alive.owner)
        # Another worker leaves a live worker's claim alone...
        assert await down.runtime.triage_worker.drain() == 0
        async with database.unit_of_work() as session:
            row = await InboxRepository(session).get(claimed.idempotency_key, lock=True)
            assert row is not None and row.status == "processing"
            row.claimed_by = dead.id  # ...not one whose process is gone

    async with open_harness(slack_stub, settings) as up:
        row = await triaged(up, T1)
        await up.settle(timeout=2)  # at once: no expiry to wait for
        assert len(await up.tickets()) == 1
        assert row.attempts == 2
        assert len(cards_in_thread(up, T1)) == 1
    await alive.leave()


# --------------------------------------------------------------------------- failures


@contextlib.asynccontextmanager
async def tickets_table_missing(h: Harness) -> AsyncIterator[None]:
    """A real database failure for every triage that touches tickets (as in a botched
    migration): the table is not where the code looks for it, until the block ends."""

    async def rename(old: str, new: str) -> None:
        async with h.runtime.database.unit_of_work() as session:
            await session.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))

    await rename("tickets", "tickets_away")
    try:
        yield
    finally:
        await rename("tickets_away", "tickets")


async def test_a_failing_triage_is_retried_later_then_left_failed_with_its_error(
    slack_stub: SlackStub, db_url: str
) -> None:
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        worker = h.runtime.triage_worker

        # A passing outage: retried on later drains (not at once), then triaged once.
        await h.post(customer_says("toilet is overflowing in the bathroom", T1))
        async with tickets_table_missing(h):
            for attempt in (1, 2):
                await worker.drain()
                row = await inbox_row(h, T1)
                assert (row.status, row.attempts) == ("pending", attempt)
                assert row.last_error and "tickets" in row.last_error
        await worker.drain()
        row = await inbox_row(h, T1)
        assert (row.status, row.attempts, row.last_error) == ("done", 3, None)
        assert len(await h.tickets()) == 1

        # A lasting one: after MAX_ATTEMPTS drains it is left failed, with its error.
        await h.post(customer_says("projector in box 1 is really dim", T2))
        async with tickets_table_missing(h):
            for _ in range(MAX_ATTEMPTS + 2):
                await worker.drain()
        await worker.drain()
        row = await inbox_row(h, T2)
        assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
        assert row.last_error and "tickets" in row.last_error
        assert len(await h.tickets()) == 1
        await h.settle()  # nothing left unfinished: a failed message is not pending forever


async def test_odd_relay_payloads_still_make_their_ticket(harness: Harness) -> None:
    # Bay 0 in the relay's metadata, a NUL in the text (PostgreSQL text cannot hold it),
    # a customer id longer than the column: each used to fail the triage on every attempt.
    await harness.post(
        customer_says(
            "no balls here", T1, meta={**META, "event_payload": {"customer_id": "c", "bay": 0}}
        )
    )
    await harness.post(customer_says("the toilet is overflowing\x00 in the bathroom", T2))
    long_id = "customer-" + "9" * 300
    await harness.post(
        customer_says(
            "projector in box 1 is really dim",
            T3,
            meta={**META, "event_payload": {"customer_id": long_id}},
        )
    )
    await harness.settle()
    for ts in (T1, T2, T3):
        row = await inbox_row(harness, ts)
        assert (row.status, row.attempts, row.last_error) == ("done", 1, None)
    tickets = {t.linked_threads[0]: t for t in await harness.tickets()}
    assert len(tickets) == 3
    assert tickets[f"{RELAY}:{T1}"].bay is None
    assert "\x00" not in tickets[f"{RELAY}:{T2}"].description
    assert long_id.startswith(tickets[f"{RELAY}:{T3}"].submitted_by)
