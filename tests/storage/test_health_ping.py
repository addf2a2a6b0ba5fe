"""The health check's ping reads past the writers: on SQLite every unit of work holds the
write lock from its start (BEGIN IMMEDIATE), and `/healthz` must not queue behind one."""

from __future__ import annotations

import asyncio

from bot.tickets.domain import Category, Priority, Source, TicketDraft
from bot.tickets.service import TicketService
from storage.db import Database


async def test_the_ping_answers_while_a_unit_of_work_writes(db: Database) -> None:
    draft = TicketDraft(
        title="Mat torn", category=Category.FACILITIES, priority=Priority.LOW, location="Truro"
    )
    async with db.unit_of_work() as session:
        await TicketService(session).create(draft, actor="U0OP1", source=Source.MANUAL)
        # The writer's transaction is open (and on SQLite holds the write lock) until the end
        # of this block: a ping that waited for it would time out here.
        assert await asyncio.wait_for(db.unreachable_reason(), timeout=5) is None
