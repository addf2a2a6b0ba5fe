"""Claims on inbox and outbox rows belong to a live worker: a row held by a worker that
is gone is taken up at once, a live worker's row is never taken, and a worker taken for
gone cannot settle a row another now holds. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from bot.presence import STALE_AFTER, Presence, this_process
from storage.db import Database
from storage.inbox import STRAY_CLAIM_EXPIRY, InboxRepository
from storage.models import InboxEventRow, OutboxMessageRow, utcnow
from storage.outbox import OutboxRepository
from storage.workers import WorkerRepository
from tests.support.workers import (
    age_heartbeat,
    elsewhere_worker,
    gone_worker,
    live_presence,
    register,
)

KIND = "relay_message"
Claim = Callable[[Database, str], Awaitable[list[int]]]


async def add_inbox(database: Database, count: int = 1) -> None:
    async with database.unit_of_work() as session:
        inbox = InboxRepository(session)
        for n in range(count):
            await inbox.record(f"key-{n}", KIND, {"text": f"message {n}"})


async def add_outbox(database: Database, count: int = 1) -> None:
    async with database.unit_of_work() as session:
        for n in range(count):
            OutboxRepository(session).enqueue("post_text", {"n": n})


async def claim_inbox(database: Database, owner: str) -> list[int]:
    async with database.unit_of_work() as session:
        return [row.id for row in await InboxRepository(session).claim_due(KIND, 100, owner)]


async def claim_outbox(database: Database, owner: str) -> list[int]:
    async with database.unit_of_work() as session:
        return [row.id for row in await OutboxRepository(session).claim_due(100, owner)]


QUEUES = {"inbox": (add_inbox, claim_inbox), "outbox": (add_outbox, claim_outbox)}


@pytest.fixture(params=sorted(QUEUES))
def queue(request: pytest.FixtureRequest) -> tuple[Callable[..., Awaitable[None]], Claim]:
    return QUEUES[request.param]


async def holders(database: Database) -> list[str | None]:
    async with database.unit_of_work() as session:
        inbox = await session.scalars(select(InboxEventRow.claimed_by))
        outbox = await session.scalars(select(OutboxMessageRow.claimed_by))
        return [*inbox, *outbox]


async def test_a_row_held_by_a_worker_that_died_is_taken_up_at_once(
    db: Database, queue: tuple[Callable[..., Awaitable[None]], Claim]
) -> None:
    add, claim = queue
    await add(db)
    dead = gone_worker()  # its process ran on this host and was killed
    await register(db, dead)
    assert len(await claim(db, dead.id)) == 1

    restarted = await live_presence(db)  # the first beat of a new process reaps it...
    async with db.unit_of_work() as session:
        assert await WorkerRepository(session).ids() == [restarted.owner]
    assert len(await claim(db, restarted.owner)) == 1  # ...and its row is free at once
    await restarted.leave()


async def test_a_live_workers_row_is_not_taken(
    db: Database, queue: tuple[Callable[..., Awaitable[None]], Claim]
) -> None:
    add, claim = queue
    await add(db)
    here, far = await live_presence(db), elsewhere_worker()
    await register(db, far)
    assert len(await claim(db, far.id)) == 1

    other = await live_presence(db)  # beats and reaps: both others still count as alive
    assert await claim(db, other.owner) == []
    assert await claim(db, here.owner) == []

    # A heartbeat older than STALE_AFTER is a host that vanished: its claims are free.
    await age_heartbeat(db, far, STALE_AFTER + timedelta(seconds=1))
    assert await other.beat() == [far.id]
    assert len(await claim(db, other.owner)) == 1


async def test_a_worker_not_registered_claims_nothing(
    db: Database, queue: tuple[Callable[..., Awaitable[None]], Claim]
) -> None:
    add, claim = queue
    await add(db)
    unregistered = this_process()
    assert await claim(db, unregistered.id) == []
    await register(db, unregistered)
    assert len(await claim(db, unregistered.id)) == 1


async def test_a_worker_taken_for_gone_cannot_settle_what_another_took(db: Database) -> None:
    await add_inbox(db)
    await add_outbox(db)
    stalled = elsewhere_worker()
    await register(db, stalled)
    [inbox_id], [outbox_id] = await claim_inbox(db, stalled.id), await claim_outbox(db, stalled.id)
    await age_heartbeat(db, stalled, STALE_AFTER * 2)
    taker = await live_presence(db)
    assert await claim_inbox(db, taker.owner) == [inbox_id]
    assert await claim_outbox(db, taker.owner) == [outbox_id]

    async with db.unit_of_work() as session:
        outbox = OutboxRepository(session)
        assert not await outbox.mark_sent(outbox_id, stalled.id, None)
        assert await outbox.mark_sent(outbox_id, taker.owner, None)
        inbox_row = await InboxRepository(session).get("key-0", lock=True)
        assert inbox_row is not None
        assert not InboxRepository.holds(inbox_row, stalled.id)
        assert InboxRepository.holds(inbox_row, taker.owner)


async def test_a_live_worker_takes_back_its_own_orphans_but_not_what_it_holds(
    db: Database, queue: tuple[Callable[..., Awaitable[None]], Claim]
) -> None:
    """A row its worker claimed but no drain is on (a release the database refused) is
    taken again at the worker's next drain, not left until the worker dies; one a drain
    is on is not claimed twice. (A drain holds its rows before its claim commits.)"""
    add, claim = queue
    await add(db, 2)
    me = await live_presence(db)
    first, second = await claim(db, me.owner)
    async with db.unit_of_work() as session:
        if claim is claim_inbox:
            inbox = await InboxRepository(session).claim_due(KIND, 10, me.owner, held=[first])
            taken = [row.id for row in inbox]
        else:
            outbox = await OutboxRepository(session).claim_due(10, me.owner, held=[first])
            taken = [row.id for row in outbox]
    assert taken == [second]


async def test_an_unowned_claim_from_before_owners_expires_as_before(db: Database) -> None:
    await add_inbox(db)
    me = await live_presence(db)
    async with db.unit_of_work() as session:
        row = await InboxRepository(session).get("key-0", lock=True)
        assert row is not None
        row.status, row.claimed_at, row.claimed_by = "processing", utcnow(), None
    assert await claim_inbox(db, me.owner) == []
    async with db.unit_of_work() as session:
        row = await InboxRepository(session).get("key-0", lock=True)
        assert row is not None
        row.claimed_at = utcnow() - STRAY_CLAIM_EXPIRY - timedelta(seconds=1)
    assert len(await claim_inbox(db, me.owner)) == 1


async def test_leaving_frees_the_claims_at_once(db: Database) -> None:
    await add_inbox(db)
    leaving, staying = await live_presence(db), await live_presence(db)
    assert len(await claim_inbox(db, leaving.owner)) == 1
    assert await claim_inbox(db, staying.owner) == []
    await leaving.leave()
    assert len(await claim_inbox(db, staying.owner)) == 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_concurrent_claimers_on_postgresql_never_share_a_row(db_url: str) -> None:
    """Eight workers, each its own engine (as separate processes), claim small batches
    of 400 inbox and 400 outbox rows at once: every row claimed exactly once."""
    setup = Database(db_url)
    await add_inbox(setup, 400)
    await add_outbox(setup, 400)
    databases = [Database(db_url) for _ in range(8)]
    workers = [await live_presence(d) for d in databases]

    async def worker_claims(database: Database, worker: Presence) -> list[tuple[str, int]]:
        taken: list[tuple[str, int]] = []
        while True:
            held = {kind: [n for k, n in taken if k == kind] for kind in QUEUES}
            async with database.unit_of_work() as session:
                inbox = await InboxRepository(session).claim_due(
                    KIND, 7, worker.owner, held["inbox"]
                )
                outbox = await OutboxRepository(session).claim_due(7, worker.owner, held["outbox"])
            if not inbox and not outbox:
                return taken
            taken += [("inbox", r.id) for r in inbox] + [("outbox", r.id) for r in outbox]
            await worker.beat()  # reaping beside claiming must not free a live claim

    claims = await asyncio.gather(
        *(worker_claims(d, w) for d, w in zip(databases, workers, strict=True))
    )
    every = [claim for taken in claims for claim in taken]
    assert len(every) == len(set(every)) == 800
    assert sum(1 for taken in claims if taken) > 1  # they did work side by side
    owners = {w.owner for w in workers}
    assert set(await holders(setup)) <= owners
    for database in [setup, *databases]:
        await database.dispose()


# 5,000 rows done with, as a club's tables hold after a while.
_NUMBERS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)"
SETTLED = {
    "inbox_events": f"""{_NUMBERS} INSERT INTO inbox_events
        (idempotency_key, kind, payload, status, attempts, received_at, thread)
        SELECT 'settled-' || i, '{KIND}', '{{}}', 'done', 1, '2026-01-01', 't' FROM n""",
    "outbox_messages": f"""{_NUMBERS} INSERT INTO outbox_messages
        (method, payload, status, attempts, next_attempt_at, created_at)
        SELECT 'post_text', '{{}}', 'sent', 1, '2026-01-01', '2026-01-01' FROM n""",
}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("table", ["inbox_events", "outbox_messages"])
async def test_a_claim_on_sqlite_finds_its_rows_by_status_not_by_a_scan(
    db: Database, table: str
) -> None:
    """Settled rows pile up: a claim must not walk them all (a scan of the table)."""
    add, claim = QUEUES["inbox" if table == "inbox_events" else "outbox"]
    async with db.unit_of_work() as session:
        connection = await session.connection()
        await connection.exec_driver_sql(SETTLED[table])
        await connection.exec_driver_sql("ANALYZE")
    await add(db)
    owner = await live_presence(db)
    claims: list[tuple[str, object]] = []

    def keep(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        if statement.startswith("SELECT") and f"FROM {table}" in statement and "LIMIT" in statement:
            claims.append((statement, params))

    event.listen(db.engine.sync_engine, "before_cursor_execute", keep)
    try:
        assert len(await claim(db, owner.owner)) == 1
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", keep)
    [(statement, params)] = claims
    async with db.reading() as session:
        connection = await session.connection()
        plan = (await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)).all()
    details = [row[-1] for row in plan]
    assert not any(detail.startswith(f"SCAN {table}") for detail in details), details
    assert any(f"INDEX ix_{table}_status" in detail for detail in details), details
