"""Which ticket numbers are taken (an import's skip list), asked as ranges: exactly the
numbers asked for that exist, whether the batch is one run, scattered or unsorted."""

from __future__ import annotations

from bot.tickets.domain import Category, Priority, Source, TicketDraft
from bot.tickets.service import TicketService
from storage.db import Database
from storage.tickets import RUN_GAP, TicketRepository

DRAFT = TicketDraft(
    title="Mat torn", category=Category.FACILITIES, priority=Priority.LOW, location="Truro"
)


async def test_existing_numbers_are_the_asked_ones_that_exist(db: Database) -> None:
    async with db.unit_of_work() as session:
        for _ in range(6):  # tickets 1 to 6
            await TicketService(session).create(DRAFT, actor="U0OP1", source=Source.MANUAL)

    far = 6 + 3 * RUN_GAP
    async with db.reading() as session:
        tickets = TicketRepository(session)
        # Unsorted, a gap inside a run (4 exists but is not asked), and a run of its own.
        assert await tickets.existing_numbers([5, 1, far, 3, 2, 6]) == {1, 2, 3, 5, 6}
        assert await tickets.existing_numbers([far, far + 1]) == set()
        assert await tickets.existing_numbers([]) == set()
        assert await tickets.existing_numbers(list(range(1, 2_000))) == set(range(1, 7))
