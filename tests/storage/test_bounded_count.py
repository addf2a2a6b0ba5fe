"""A count that stops (a board's text filter): the exact count up to its bound, the bound
beyond it, with the filter applied."""

from __future__ import annotations

from bot.tickets.domain import Category, Priority, Source, TicketDraft, TicketFilter
from bot.tickets.service import TicketService
from storage.db import Database


def draft(title: str) -> TicketDraft:
    return TicketDraft(title=title, category=Category.TECH, priority=Priority.LOW, location="Truro")


async def test_a_bounded_count_stops_at_its_bound(db: Database) -> None:
    async with db.unit_of_work() as session:
        for title in ("Projector dim", "Projector off", "Projector loud", "Mat torn"):
            await TicketService(session).create(draft(title), actor="U0OP1", source=Source.MANUAL)

    projector = TicketFilter(text="projector")
    async with db.reading() as session:
        tickets = TicketService(session)
        assert await tickets.count(projector) == 3
        assert await tickets.count(projector, at_most=2) == 2
        assert await tickets.count(projector, at_most=10) == 3
        assert await tickets.count(TicketFilter(text="mat"), at_most=2) == 1
