"""SLA levels and deadlines, the rules alone: the service level of each priority
(TRIAGE_RULES.md, from the ClubOS roadmap), a ticket's deadlines for the first response
and the resolution, and which notice level a running clock has reached. The checker that
sends the notices is bot.followup.sla.notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.tickets.domain import Priority


@dataclass(frozen=True)
class ServiceLevel:
    first_response: timedelta
    resolution: timedelta
    escalate_after: timedelta | None


SERVICE_LEVELS: dict[Priority, ServiceLevel] = {
    Priority.CRITICAL: ServiceLevel(
        timedelta(minutes=15), timedelta(hours=1), timedelta(minutes=30)
    ),
    Priority.HIGH: ServiceLevel(timedelta(hours=1), timedelta(hours=4), timedelta(hours=2)),
    Priority.MEDIUM: ServiceLevel(timedelta(hours=4), timedelta(hours=24), timedelta(hours=12)),
    Priority.LOW: ServiceLevel(timedelta(hours=24), timedelta(hours=72), None),
}


class Clock(StrEnum):
    RESPONSE = "response"
    RESOLUTION = "resolution"


class Level(StrEnum):
    """Notices in the order they are reached; each is sent once per ticket and clock."""

    WARNING = "warning"  # 75% of the time used
    ALERT = "alert"  # 90%
    BREACH = "breach"  # past the deadline: escalate


THRESHOLDS = ((Level.BREACH, 1.0), (Level.ALERT, 0.9), (Level.WARNING, 0.75))


@dataclass(frozen=True)
class Deadlines:
    response_due_at: datetime
    resolution_due_at: datetime


def deadlines(priority: Priority, opened_at: datetime) -> Deadlines:
    level = SERVICE_LEVELS[priority]
    return Deadlines(opened_at + level.first_response, opened_at + level.resolution)


def reached(opened_at: datetime, due_at: datetime, now: datetime) -> Level | None:
    """The highest notice level a clock has reached at `now`, if any."""
    total = (due_at - opened_at).total_seconds()
    if total <= 0:
        return Level.BREACH
    used = (now - opened_at).total_seconds() / total
    return next((level for level, share in THRESHOLDS if used >= share), None)
