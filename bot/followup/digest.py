"""The digest of open tickets for the ops channel: counts by status and priority per
location, the SLA-breaching tickets first and then the oldest, and a chart. A run builds
a snapshot, claims its period (scheduled runs) and queues the message and the chart in one
unit of work, so several processes post each scheduled digest once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.club import ClubConfig
from bot.followup.jobs import Job, claim
from bot.followup.patterns import recurring_patterns
from bot.followup.sla.levels import Clock
from bot.tickets.domain import Priority, Status, Ticket
from bot.tickets.notices import Notifier
from bot.tickets.rows import to_ticket
from bot.tickets.status import OPEN_STATUSES, OPEN_VALUES
from storage.db import Database
from storage.digest_counts import OpenCount, most_pressing, open_counts

log = logging.getLogger("clubos.digest")

# Tickets named per location (SLA-breaching first, then the oldest); the counts cover all.
TICKETS_PER_LOCATION = 5
CHART_FILENAME = "open-tickets.png"
CHART_TITLE = "Open tickets by location and priority"
PRIORITIES = tuple(sorted(Priority, key=lambda p: p.rank, reverse=True))  # most urgent first


@dataclass(frozen=True)
class DigestTicket:
    ticket_id: str
    title: str
    priority: Priority
    status: Status
    bay: int | None
    opened_at: datetime
    # The clock past its deadline (resolution before response), and that deadline.
    breached: Clock | None = None
    due_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "title": self.title,
            "priority": self.priority.value,
            "status": self.status.value,
            "bay": self.bay,
            "opened_at": self.opened_at.isoformat(),
            "breached": self.breached.value if self.breached else None,
            "due_at": self.due_at.isoformat() if self.due_at else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DigestTicket:
        return cls(
            ticket_id=data["ticket_id"],
            title=data["title"],
            priority=Priority(data["priority"]),
            status=Status(data["status"]),
            bay=data["bay"],
            opened_at=datetime.fromisoformat(data["opened_at"]),
            breached=Clock(data["breached"]) if data["breached"] else None,
            due_at=datetime.fromisoformat(data["due_at"]) if data["due_at"] else None,
        )


@dataclass(frozen=True)
class LocationDigest:
    location: str
    by_status: dict[Status, int]
    by_priority: dict[Priority, int]
    breaching: int
    tickets: tuple[DigestTicket, ...]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "by_status": {k.value: v for k, v in self.by_status.items()},
            "by_priority": {k.value: v for k, v in self.by_priority.items()},
            "breaching": self.breaching,
            "tickets": [t.to_json() for t in self.tickets],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LocationDigest:
        return cls(
            location=data["location"],
            by_status={Status(k): int(v) for k, v in data["by_status"].items()},
            by_priority={Priority(k): int(v) for k, v in data["by_priority"].items()},
            breaching=int(data["breaching"]),
            tickets=tuple(DigestTicket.from_json(t) for t in data["tickets"]),
        )


@dataclass(frozen=True)
class DigestPattern:
    """A recurring problem (an open recurrence parent), named in words."""

    parent_id: str
    location: str
    text: str  # "3 projector-dim tickets in Bay 4 this week"

    def to_json(self) -> dict[str, Any]:
        return {"parent_id": self.parent_id, "location": self.location, "text": self.text}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DigestPattern:
        return cls(parent_id=data["parent_id"], location=data["location"], text=data["text"])


@dataclass(frozen=True)
class Digest:
    channel: str
    generated_at: datetime
    locations: tuple[LocationDigest, ...]
    patterns: tuple[DigestPattern, ...] = ()

    @property
    def total(self) -> int:
        return sum(loc.total for loc in self.locations)

    @property
    def breaching(self) -> int:
        return sum(loc.breaching for loc in self.locations)

    @property
    def by_status(self) -> dict[Status, int]:
        return {s: sum(loc.by_status.get(s, 0) for loc in self.locations) for s in OPEN_STATUSES}

    @property
    def by_priority(self) -> dict[Priority, int]:
        return {p: sum(loc.by_priority.get(p, 0) for loc in self.locations) for p in PRIORITIES}

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "generated_at": self.generated_at.isoformat(),
            "locations": [loc.to_json() for loc in self.locations],
            "patterns": [p.to_json() for p in self.patterns],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Digest:
        return cls(
            channel=data["channel"],
            generated_at=datetime.fromisoformat(data["generated_at"]),
            locations=tuple(LocationDigest.from_json(loc) for loc in data["locations"]),
            patterns=tuple(DigestPattern.from_json(p) for p in data.get("patterns", [])),
        )


def breach(ticket: Ticket, now: datetime) -> tuple[Clock, datetime] | None:
    """The SLA clock a ticket has run past at `now`, if any: resolution first, then a
    first response still missing."""
    if ticket.resolution_due_at is not None and ticket.resolution_due_at < now:
        return Clock.RESOLUTION, ticket.resolution_due_at
    if (
        ticket.response_due_at is not None
        and ticket.response_due_at < now
        and ticket.first_response_at is None
    ):
        return Clock.RESPONSE, ticket.response_due_at
    return None


def _entry(ticket: Ticket, now: datetime) -> DigestTicket:
    breached = breach(ticket, now)
    return DigestTicket(
        ticket_id=ticket.ticket_id,
        title=ticket.title,
        priority=ticket.priority,
        status=ticket.status,
        bay=ticket.bay,
        opened_at=ticket.timestamp,
        breached=breached[0] if breached else None,
        due_at=breached[1] if breached else None,
    )


def _attention_order(entry: DigestTicket) -> tuple[int, int, datetime]:
    """Breaching before the rest; among breaching the most urgent, then the longest overdue;
    among the rest the oldest."""
    if entry.breached is not None and entry.due_at is not None:
        return 0, -entry.priority.rank, entry.due_at
    return 1, 0, entry.opened_at


def _location_digest(
    location: str, counts: list[OpenCount], named: list[DigestTicket]
) -> LocationDigest:
    return LocationDigest(
        location=location,
        by_status={s: sum(c.tickets for c in counts if c.status == s) for s in OPEN_STATUSES},
        by_priority={p: sum(c.tickets for c in counts if c.priority == p) for p in PRIORITIES},
        breaching=sum(c.breaching for c in counts),
        tickets=tuple(sorted(named, key=_attention_order)),
    )


async def build_digest(database: Database, club: ClubConfig, now: datetime) -> Digest:
    """The open tickets at `now`, per location: configured locations in config order, any
    other location a ticket names after them, alphabetically; and the recurring problems.
    Counted in SQL; only the tickets to name are read."""
    async with database.unit_of_work() as session:
        counts = await open_counts(session, OPEN_VALUES, now)
        urgency = {p.value: p.rank for p in Priority}
        rows = await most_pressing(session, OPEN_VALUES, now, urgency, TICKETS_PER_LOCATION)
    patterns = await recurring_patterns(database, now)
    by_location: dict[str, list[OpenCount]] = {}
    for count in counts:
        by_location.setdefault(count.location, []).append(count)
    named: dict[str, list[DigestTicket]] = {}
    for row in rows:  # newest first: ties in the digest's order keep that order
        named.setdefault(row.location, []).append(_entry(to_ticket(row, ()), now))
    configured = [loc.name for loc in club.locations]
    others = sorted(set(by_location) - set(configured), key=str.casefold)
    return Digest(
        channel=club.slack.ops_channel,
        generated_at=now,
        locations=tuple(
            _location_digest(name, by_location[name], named.get(name, []))
            for name in (*configured, *others)
            if name in by_location
        ),
        patterns=tuple(DigestPattern(p.parent_id, p.location, p.describe()) for p in patterns),
    )


@dataclass(frozen=True)
class DigestPosted:
    digest: Digest
    outbox_ids: tuple[int, ...]


async def post_digest(
    database: Database,
    club: ClubConfig,
    now: datetime,
    wake: Callable[[], None] | None,
    *,
    period: str | None,
) -> DigestPosted | None:
    """Queue the digest (and its chart when any ticket is open) for the ops channel.

    A scheduled run names its `period`: the message is queued only by the process that
    claims it, in the claim's unit of work; None when another process had claimed it.
    `period=None` (a digest asked for now) posts without a claim.
    """
    digest = await build_digest(database, club, now)
    # Drawing takes tens of milliseconds of CPU: off the event loop.
    chart = await asyncio.to_thread(render_chart, digest) if digest.total else None
    channel = digest.channel
    async with database.unit_of_work() as session:
        if period is not None and not await claim(session, Job.DIGEST, f"{channel} {period}"):
            log.info("digest.skipped", extra={"channel": channel, "period": period})
            return None
        notify = Notifier(session, lambda t: club.routing.channel_for(t.category), wake)
        rows = [notify.post_digest(channel, digest.to_json())]
        if chart is not None:
            rows.append(
                notify.upload_file(channel, CHART_FILENAME, CHART_TITLE, chart, chart_alt(digest))
            )
        await session.flush()
        ids = tuple(row.id for row in rows)
    log.info(
        "digest.queued",
        extra={"channel": channel, "period": period, "open": digest.total},
    )
    return DigestPosted(digest, ids)


def render_chart(digest: Digest) -> bytes:
    """The chart's PNG. Pillow is imported here, on first use, so that processes which
    never draw a chart (a sender, most CLI commands) do not load it."""
    from bot.followup.chart import open_tickets_chart

    return open_tickets_chart(digest)


def chart_alt(digest: Digest) -> str:
    """The chart in words, for screen readers and notifications."""
    parts = [f"{loc.location}: {loc.total}" for loc in digest.locations]
    return f"{CHART_TITLE}. " + "; ".join(parts)
