"""Recurrence queries: recent tickets at one place, and the parents grouping them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import TicketRow

IN_CHUNK = 10_000  # ids per `IN (...)` list (asyncpg takes at most 32767 parameters)

TicketRows = list[TicketRow]
ChildDates = dict[int, list[datetime]]


class RecurrenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def created_since(
        self, location: str, bay: int | None, since: datetime, statuses: Sequence[str]
    ) -> TicketRows:
        """Tickets in `statuses` at `location` (any case) and `bay` (None: location-wide
        ones), opened at or after `since`, oldest first."""
        bay_matches = TicketRow.bay.is_(None) if bay is None else TicketRow.bay == bay
        rows = await self.session.scalars(
            select(TicketRow)
            .where(
                func.lower(TicketRow.location) == location.lower(),
                bay_matches,
                TicketRow.created_at >= since,
                TicketRow.status.in_(statuses),
            )
            .order_by(TicketRow.number)
        )
        return list(rows)

    async def with_problem_key(
        self, problem_key: str, location: str, bay: int | None, statuses: Sequence[str]
    ) -> TicketRows:
        bay_matches = TicketRow.bay.is_(None) if bay is None else TicketRow.bay == bay
        rows = await self.session.scalars(
            select(TicketRow)
            .where(
                TicketRow.problem_key == problem_key,
                func.lower(TicketRow.location) == location.lower(),
                bay_matches,
                TicketRow.status.in_(statuses),
            )
            .order_by(TicketRow.number)
        )
        return list(rows)

    async def with_key_prefix(self, prefix: str, statuses: Sequence[str]) -> TicketRows:
        """Tickets in `statuses` whose problem key starts with `prefix`."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await self.session.scalars(
            select(TicketRow)
            .where(
                TicketRow.problem_key.like(f"{escaped}%", escape="\\"),
                TicketRow.status.in_(statuses),
            )
            .order_by(TicketRow.number)
        )
        return list(rows)

    async def child_dates(self, parent_numbers: Sequence[int]) -> ChildDates:
        """When each child of the given parents was opened, per parent."""
        found: ChildDates = {}
        for start in range(0, len(parent_numbers), IN_CHUNK):
            rows = await self.session.execute(
                select(TicketRow.parent_number, TicketRow.created_at).where(
                    TicketRow.parent_number.in_(parent_numbers[start : start + IN_CHUNK])
                )
            )
            for parent, created_at in rows:
                if parent is not None:
                    found.setdefault(parent, []).append(created_at)
        return found
