"""Units of work that only read (`Database.reading`) take no write lock on SQLite: they
read while a writer holds it, a writer commits while they are open (the relay ack's
insert never queues behind a read), and they cannot write."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from bot.tickets.domain import Category, Priority, Source, TicketDraft
from bot.tickets.service import TicketService
from storage.db import Database

DRAFT = TicketDraft(
    title="Mat torn", category=Category.FACILITIES, priority=Priority.LOW, location="Truro"
)


async def count_tickets(db: Database) -> int:
    async with db.reading() as session:
        return len(await TicketService(session).list())


async def create_ticket(db: Database) -> None:
    async with db.unit_of_work() as session:
        await TicketService(session).create(DRAFT, actor="U0OP1", source=Source.MANUAL)


async def test_a_read_answers_while_a_unit_of_work_writes(db: Database) -> None:
    async with db.unit_of_work() as session:
        await TicketService(session).create(DRAFT, actor="U0OP1", source=Source.MANUAL)
        # The writer holds the lock until the block ends; the read sees the state before.
        assert await asyncio.wait_for(count_tickets(db), timeout=5) == 0
    assert await count_tickets(db) == 1


async def test_a_write_commits_while_a_read_is_open(db: Database) -> None:
    async with db.reading() as session:
        assert await TicketService(session).list() == []
        await asyncio.wait_for(create_ticket(db), timeout=5)
    assert await count_tickets(db) == 1


async def test_a_read_cannot_write(db: Database) -> None:
    with pytest.raises(DBAPIError):
        async with db.reading() as session:
            await TicketService(session).create(DRAFT, actor="U0OP1", source=Source.MANUAL)
    await create_ticket(db)  # the connection writes again in a unit of work
    assert await count_tickets(db) == 1


async def test_reads_and_writes_take_turns_without_a_pragma_between(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query_only pragma; PostgreSQL marks a transaction READ ONLY")
    statements: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    for engine in {db.engine.sync_engine, db.read_engine.sync_engine}:
        event.listen(engine, "before_cursor_execute", keep)
    for _ in range(3):
        await create_ticket(db)
        assert await count_tickets(db) > 0
    assert [s for s in statements if s.startswith("PRAGMA")] == []
    assert statements.count("BEGIN IMMEDIATE") == statements.count("BEGIN") == 3
