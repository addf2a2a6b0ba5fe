"""On SQLite every call on a connection is a trip to aiosqlite's thread and back through
the event loop. A read's statement is one trip (not a cursor opened, executed, fetched and
closed in four); a write transaction's statements and commit make none once BEGIN IMMEDIATE
has the lock; a connection given back after a commit is not rolled back again, and the pool
keeps the connections a busy process uses instead of opening and closing them."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import event, text

from bot.tickets.domain import Category, Priority, Source, TicketDraft
from bot.tickets.service import TicketService
from storage.db import SQLITE_POOL, Database
from storage.migrate import upgrade
from tests.support.loop_ticks import loop_ticks

DRAFT = TicketDraft(
    title="Mat torn", category=Category.FACILITIES, priority=Priority.LOW, location="Truro"
)


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> Database:
    url = f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}"
    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    yield database  # type: ignore[misc]
    await database.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The name of each function aiosqlite runs in its thread, in order."""
    seen: list[str] = []
    run_in_thread = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await run_in_thread(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield seen


async def test_a_write_transaction_is_one_trip_and_a_read_one_a_statement(
    sqlite_db: Database, trips: list[str]
) -> None:
    async with sqlite_db.unit_of_work() as session:  # opens the connections: pragmas
        await session.execute(text("SELECT 1"))
    async with sqlite_db.reading() as session:
        await session.execute(text("SELECT 1"))
    trips.clear()
    async with sqlite_db.unit_of_work() as session:
        rows = (await session.execute(text("SELECT name FROM sqlite_master"))).all()
        await session.execute(text("INSERT INTO counters (name, value) VALUES ('trip', 1)"))
    assert rows
    # BEGIN IMMEDIATE only: the select, the insert and the commit ran on the loop's
    # thread, and a connection that committed is not rolled back.
    assert trips == ["_run"]
    trips.clear()
    async with sqlite_db.reading() as session:
        (await session.execute(text("SELECT value FROM counters WHERE name = 'trip'"))).one()
    # A reader's BEGIN, select and commit, each one trip: no cursor opened or closed apart.
    assert trips == ["_run", "_run", "commit"]


async def test_a_write_transaction_waiting_for_another_process_does_not_hold_up_the_loop(
    sqlite_db: Database,
) -> None:
    """BEGIN IMMEDIATE waits for another connection's write lock in aiosqlite's thread; the
    loop goes on meanwhile, and the unit of work writes once the lock is given back."""
    path = sqlite_db.url.split("///", 1)[1]
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with sqlite_db.unit_of_work() as session:
            await session.execute(text("INSERT INTO counters (name, value) VALUES ('w', 1)"))

    async with loop_ticks() as ticks:
        writing = asyncio.create_task(write())
        await asyncio.sleep(0.3)
        assert not writing.done() and ticks.count >= 10, ticks
        other.execute("COMMIT")
        other.close()
        await asyncio.wait_for(writing, timeout=5)
    async with sqlite_db.reading() as session:
        assert (await session.execute(text("SELECT value FROM counters WHERE name = 'w'"))).one()


async def test_an_uncommitted_transaction_is_still_rolled_back(sqlite_db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with sqlite_db.unit_of_work() as session:
            await TicketService(session).create(DRAFT, actor="U0OP1", source=Source.MANUAL)
            raise RuntimeError("the unit of work fails")
    async with sqlite_db.reading() as session:
        assert await TicketService(session).list() == []
    # And the connection is usable again: its write lock was released.
    async with asyncio.timeout(5), sqlite_db.unit_of_work() as session:
        await TicketService(session).create(DRAFT, actor="U0OP1", source=Source.MANUAL)


async def test_rows_lastrowid_and_rowcount_come_back(sqlite_db: Database) -> None:
    async with sqlite_db.unit_of_work() as session:
        ticket = await TicketService(session).create(DRAFT, actor="U0OP1", source=Source.MANUAL)
        updated = await session.execute(
            text("UPDATE tickets SET title = 'Mat torn in bay 2' WHERE number = :n"),
            {"n": ticket.number},
        )
    assert updated.rowcount == 1  # type: ignore[attr-defined]
    async with sqlite_db.reading() as session:
        [stored] = await TicketService(session).list()
    assert (stored.ticket_id, stored.title) == (ticket.ticket_id, "Mat torn in bay 2")


async def test_the_pool_keeps_the_connections_a_busy_process_uses(sqlite_db: Database) -> None:
    opened: list[object] = []
    event.listen(sqlite_db.read_engine.sync_engine, "connect", lambda conn, _: opened.append(conn))
    busy = SQLITE_POOL["pool_size"]

    async def read_together(gate: asyncio.Barrier) -> None:
        async with sqlite_db.reading() as session:
            await session.execute(text("SELECT 1"))
            await gate.wait()  # every read holds its connection at once

    for _ in range(3):
        gate = asyncio.Barrier(busy)
        await asyncio.gather(*(read_together(gate) for _ in range(busy)))
    # The first round opened them; the later rounds found them kept.
    assert len(opened) == busy
