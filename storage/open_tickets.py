"""The open tickets of one kind at one place: what triage compares a new report with, for
every ticket-worthy message. The statement is built once: building it per message (the
generic filter's clauses) cost triage more of the event loop than running it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, func, select

from storage.db import UnitOfWork
from storage.models import TicketRow

_OF_KIND_AT = (
    select(TicketRow)
    .where(
        func.lower(TicketRow.location) == bindparam("location"),
        TicketRow.category == bindparam("category"),
        TicketRow.status.in_(bindparam("statuses", expanding=True)),
    )
    .order_by(TicketRow.number.desc())
)


async def of_kind_at(
    session: UnitOfWork, location: str, category: str, statuses: Sequence[str]
) -> list[TicketRow]:
    """The tickets in `statuses` of `category` at `location` (any case), newest first."""
    found = await session.scalars(
        _OF_KIND_AT,
        {"location": location.lower(), "category": category, "statuses": list(statuses)},
    )
    return list(found)
