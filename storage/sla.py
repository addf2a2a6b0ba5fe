"""SLA queries: the open tickets whose clocks run, and the notices already sent. A notice
is recorded with an insert that ignores a conflict on (ticket, clock, level), so however
many scheduler ticks or processes see a ticket reach a level, one of them sends it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SlaNoticeRow, TicketRow

IN_CHUNK = 10_000  # ids per `IN (...)` list (asyncpg takes at most 32767 parameters)

TicketRows = list[TicketRow]
SentLevels = dict[tuple[int, str], set[str]]


class SlaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def with_running_clocks(self, statuses: Sequence[str]) -> TicketRows:
        """Tickets in `statuses` that carry SLA deadlines (imported ones may not)."""
        rows = await self.session.scalars(
            select(TicketRow)
            .where(
                TicketRow.status.in_(statuses),
                TicketRow.response_due_at.is_not(None) | TicketRow.resolution_due_at.is_not(None),
            )
            .order_by(TicketRow.number)
        )
        return list(rows)

    async def sent(self, numbers: Sequence[int]) -> SentLevels:
        """The levels already sent, per (ticket number, clock)."""
        found: SentLevels = {}
        for start in range(0, len(numbers), IN_CHUNK):
            rows = await self.session.execute(
                select(SlaNoticeRow.ticket_number, SlaNoticeRow.clock, SlaNoticeRow.level).where(
                    SlaNoticeRow.ticket_number.in_(numbers[start : start + IN_CHUNK])
                )
            )
            for number, clock, level in rows:
                found.setdefault((number, clock), set()).add(level)
        return found

    async def record(self, ticket_number: int, clock: str, level: str, at: datetime) -> bool:
        """Record a notice unless it is known; True when this call recorded it. Two
        concurrent calls for one notice cannot both win: the unique key decides (on
        PostgreSQL the second waits for the first's transaction, then finds the row)."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(SlaNoticeRow)
            .values(ticket_number=ticket_number, clock=clock, level=level, sent_at=at)
            .on_conflict_do_nothing(index_elements=["ticket_number", "clock", "level"])
            .returning(SlaNoticeRow.id)
        )
        return (await self.session.scalar(statement)) is not None
