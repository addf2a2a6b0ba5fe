"""Ticket queries: the only place that writes SQL for tickets, threads and audit events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Counter, TicketEventRow, TicketRow, TicketThreadRow

TICKET_COUNTER = "ticket"
IN_CHUNK = 10_000  # ids per `IN (...)` list
NUMBER_MAX = 2**31 - 1  # tickets.number is a 32-bit INTEGER: no ticket lies above it

# Aliases: inside TicketRepository the name `list` is the method, not the builtin.
TicketRows = list[TicketRow]
EventRows = list[TicketEventRow]
ThreadRefs = dict[int, list[str]]
Numbers = list[int]


@dataclass(frozen=True)
class TicketQuery:
    """Filters for listing tickets; every set field must match (empty lists match all)."""

    statuses: Sequence[str] = ()
    locations: Sequence[str] = ()
    priorities: Sequence[str] = ()
    categories: Sequence[str] = ()
    assigned: bool | None = None
    assignee: str | None = None
    learnable: bool | None = None
    numbers: Sequence[int] = field(default_factory=tuple)
    before_number: int | None = None
    limit: int | None = None


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_number(self) -> int:
        """Take the next ticket number. The UPDATE holds the counter row's lock until the
        transaction ends, so concurrent creators on PostgreSQL queue up, never collide."""
        result = await self.session.execute(
            update(Counter)
            .where(Counter.name == TICKET_COUNTER)
            .values(value=Counter.value + 1)
            .returning(Counter.value)
        )
        return int(result.scalar_one())

    async def raise_counter_to(self, number: int) -> None:
        """Make sure new numbers continue above `number` (after importing old tickets)."""
        await self.session.execute(
            update(Counter)
            .where(Counter.name == TICKET_COUNTER)
            .values(value=case((Counter.value < number, number), else_=Counter.value))
        )

    def add(self, row: TicketRow) -> None:
        self.session.add(row)

    async def get(self, number: int) -> TicketRow | None:
        if number > NUMBER_MAX:  # PostgreSQL refuses to bind it; no such ticket anyway
            return None
        return await self.session.get(TicketRow, number)

    async def existing_numbers(self, numbers: Sequence[int]) -> set[int]:
        if not numbers:
            return set()
        result = await self.session.scalars(
            select(TicketRow.number).where(TicketRow.number.in_(numbers))
        )
        return set(result)

    async def list(self, query: TicketQuery) -> TicketRows:
        stmt = select(TicketRow).order_by(TicketRow.number.desc())
        if query.statuses:
            stmt = stmt.where(TicketRow.status.in_(query.statuses))
        if query.locations:
            locations = [name.lower() for name in query.locations]
            stmt = stmt.where(func.lower(TicketRow.location).in_(locations))
        if query.priorities:
            stmt = stmt.where(TicketRow.priority.in_(query.priorities))
        if query.categories:
            stmt = stmt.where(TicketRow.category.in_(query.categories))
        if query.assigned is True:
            stmt = stmt.where(TicketRow.assigned_to.is_not(None))
        elif query.assigned is False:
            stmt = stmt.where(TicketRow.assigned_to.is_(None))
        if query.assignee is not None:
            stmt = stmt.where(TicketRow.assigned_to == query.assignee)
        if query.learnable is not None:
            stmt = stmt.where(TicketRow.learnable.is_(query.learnable))
        if query.numbers:
            stmt = stmt.where(TicketRow.number.in_(query.numbers))
        if query.before_number is not None and query.before_number <= NUMBER_MAX:
            stmt = stmt.where(TicketRow.number < query.before_number)
        if query.limit is not None:
            stmt = stmt.limit(query.limit)
        return list(await self.session.scalars(stmt))

    async def threads(self, numbers: Sequence[int]) -> ThreadRefs:
        """Linked thread refs per ticket number, in the order they were linked."""
        by_ticket: ThreadRefs = {}
        # In chunks: asyncpg refuses more than 32767 bind parameters in one statement.
        for start in range(0, len(numbers), IN_CHUNK):
            rows = await self.session.execute(
                select(TicketThreadRow.ticket_number, TicketThreadRow.ref)
                .where(TicketThreadRow.ticket_number.in_(numbers[start : start + IN_CHUNK]))
                .order_by(TicketThreadRow.id)
            )
            for number, ref in rows:
                by_ticket.setdefault(number, []).append(ref)
        return by_ticket

    async def has_thread(self, number: int, ref: str) -> bool:
        found = await self.session.scalar(
            select(TicketThreadRow.id).where(
                TicketThreadRow.ticket_number == number, TicketThreadRow.ref == ref
            )
        )
        return found is not None

    def add_thread(self, row: TicketThreadRow) -> None:
        self.session.add(row)

    async def numbers_for_thread(self, channel: str, thread_ts: str) -> Numbers:
        result = await self.session.scalars(
            select(TicketThreadRow.ticket_number)
            .where(TicketThreadRow.channel == channel, TicketThreadRow.thread_ts == thread_ts)
            .order_by(TicketThreadRow.ticket_number)
        )
        return list(result)

    def add_event(self, row: TicketEventRow) -> None:
        self.session.add(row)

    async def events(self, number: int) -> EventRows:
        result = await self.session.scalars(
            select(TicketEventRow)
            .where(TicketEventRow.ticket_number == number)
            .order_by(TicketEventRow.id)
        )
        return list(result)

    async def flush(self) -> None:
        await self.session.flush()
