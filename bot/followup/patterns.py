"""Recurring problems as the digest names them: each open recurrence parent with its
tickets counted, in words ("3 projector-dim tickets in Bay 4 this week"). Apart from
`recurrence` (which groups tickets and reads their text with the triage rules), so that
the digest loads no triage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.tickets.domain import Priority
from bot.tickets.rows import to_ticket
from bot.tickets.status import OPEN_VALUES
from storage.db import Database
from storage.recurrence import RecurrenceRepository

WINDOW = timedelta(days=7)
PARENT_PREFIX = "recurrence:"


@dataclass(frozen=True)
class Pattern:
    """An open recurrence parent, for the digest."""

    parent_id: str
    title: str
    priority: Priority
    location: str
    bay: int | None
    label: str
    child_count: int  # every ticket linked under the parent
    recent_count: int  # of those, opened within the last 7 days

    def describe(self) -> str:
        """E.g. "3 projector-dim tickets in Bay 4 this week" (config and key words only,
        no customer text)."""
        return phrase(
            self.recent_count or self.child_count,
            self.label,
            self.location,
            self.bay,
            this_week=self.recent_count > 0,
        )


def label_for(key: str) -> str:
    """A short name for a problem key: "projector_dim" -> "projector-dim",
    "system:projector:3" -> "projector"."""
    key = key.removeprefix(PARENT_PREFIX).removeprefix("system:")
    words = [part for part in key.split(":") if part and not part.isdigit()]
    return "-".join(words).replace("_", "-") or "similar"


def phrase(count: int, label: str, location: str, bay: int | None, *, this_week: bool) -> str:
    place = f"in Bay {bay}" if bay is not None else f"at {location}"
    when = "this week" if this_week else "(none this week)"
    return f"{count} {label} tickets {place} {when}"


async def recurring_patterns(database: Database, now: datetime) -> list[Pattern]:
    """Every open recurrence parent with its children counted, most urgent first."""
    async with database.unit_of_work() as session:
        repo = RecurrenceRepository(session)
        parents = [
            to_ticket(row, ()) for row in await repo.with_key_prefix(PARENT_PREFIX, OPEN_VALUES)
        ]
        dates = await repo.child_dates([p.number for p in parents])
    patterns = [
        Pattern(
            parent_id=p.ticket_id,
            title=p.title,
            priority=p.priority,
            location=p.location,
            bay=p.bay,
            label=label_for(p.problem_key or ""),
            child_count=len(dates.get(p.number, [])),
            recent_count=sum(1 for d in dates.get(p.number, []) if d >= now - WINDOW),
        )
        for p in parents
    ]
    return sorted(patterns, key=lambda p: (-p.priority.rank, -p.recent_count, p.parent_id))
