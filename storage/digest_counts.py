"""The digest's reading of the open tickets, in SQL: how many per location, status and
priority (and how many of those are past an SLA deadline), and per location the few
tickets worth naming, so a club with thousands open is counted, not loaded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select

from storage.db import UnitOfWork
from storage.models import TicketRow


@dataclass(frozen=True)
class OpenCount:
    location: str
    status: str
    priority: str
    tickets: int
    breaching: int


def _overdue(now: datetime) -> ColumnElement[datetime]:
    """The SLA deadline a ticket has run past at `now` (resolution first, then a first
    response still missing); NULL when none."""
    return case(
        (TicketRow.resolution_due_at < now, TicketRow.resolution_due_at),
        (
            and_(TicketRow.response_due_at < now, TicketRow.first_response_at.is_(None)),
            TicketRow.response_due_at,
        ),
        else_=None,
    )


async def open_counts(
    session: UnitOfWork, statuses: Sequence[str], now: datetime
) -> list[OpenCount]:
    breached = case((_overdue(now).is_not(None), 1), else_=0)
    rows = await session.execute(
        select(
            TicketRow.location,
            TicketRow.status,
            TicketRow.priority,
            func.count(),
            func.sum(breached),
        )
        .where(TicketRow.status.in_(statuses))
        .group_by(TicketRow.location, TicketRow.status, TicketRow.priority)
    )
    return [OpenCount(loc, st, pr, int(n), int(b or 0)) for loc, st, pr, n, b in rows]


async def most_pressing(
    session: UnitOfWork,
    statuses: Sequence[str],
    now: datetime,
    urgency: Mapping[str, int],
    per_location: int,
) -> list[TicketRow]:
    """Per location, the first `per_location` tickets in the digest's order: past a
    deadline before the rest; among those the most urgent (`urgency`: higher first), then
    the longest overdue; among the rest the oldest; ties to the newest number."""
    overdue = _overdue(now)
    breached = overdue.is_not(None)
    rank = case(*((TicketRow.priority == p, -r) for p, r in urgency.items()), else_=0)
    order = (
        case((breached, 0), else_=1),
        case((breached, rank), else_=0),
        case((breached, overdue), else_=TicketRow.created_at),
        TicketRow.number.desc(),
    )
    place = func.row_number().over(partition_by=TicketRow.location, order_by=order)
    ranked = (
        select(TicketRow.number, place.label("place"))
        .where(TicketRow.status.in_(statuses))
        .subquery()
    )
    rows = await session.scalars(
        select(TicketRow)
        .join(ranked, ranked.c.number == TicketRow.number)
        .where(ranked.c.place <= per_location)
        .order_by(TicketRow.number.desc())
    )
    return list(rows)
