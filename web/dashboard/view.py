"""What the board shows, the rules alone: each card's SLA countdown, the order of the
cards (`sort=sla|age|priority`), the list view's groups (`group=location|priority`) and a
fingerprint of the shown tickets that changes whenever the board would."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.followup.sla.levels import Level, reached
from bot.tickets.domain import Status, Ticket
from bot.tickets.query import BadParameter

SORTS = ("newest", "sla", "age", "priority")
VIEWS = ("board", "list")
GROUPS = ("location", "priority")
CLOSED = (Status.RESOLVED, Status.ARCHIVED)


@dataclass(frozen=True)
class Layout:
    """How the cards are laid out: the order, kanban or list, and the list's grouping."""

    sort: str
    view: str
    group: str


def choice(params: dict[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = params.get(name) or allowed[0]
    if value not in allowed:
        raise BadParameter(name, f"{value[:20]!r} is not one of {', '.join(allowed)}")
    return value


def layout(params: dict[str, str]) -> Layout:
    """The layout a query string asks for; BadParameter naming a bad parameter."""
    return Layout(
        choice(params, "sort", SORTS),
        choice(params, "view", VIEWS),
        choice(params, "group", GROUPS),
    )


@dataclass(frozen=True)
class Countdown:
    """The running SLA clock of a card: `level` is the CSS class ("ok", "warning", "alert",
    "breach"), `text` what the card says ("response due in 12m", "resolution 3h over")."""

    level: str
    text: str
    due_at: datetime


def running_clock(ticket: Ticket) -> tuple[str, datetime] | None:
    """The clock that runs: the first response until someone answered, then the
    resolution; none once the ticket is resolved or has no deadlines."""
    if ticket.status in CLOSED:
        return None
    if ticket.first_response_at is None and ticket.response_due_at is not None:
        return "response", ticket.response_due_at
    if ticket.resolution_due_at is not None:
        return "resolution", ticket.resolution_due_at
    return None


def span(seconds: float) -> str:
    """A duration shortly: "5m", "3h", "2d"."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 24 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // (24 * 60)}d"


def countdown(ticket: Ticket, now: datetime) -> Countdown | None:
    clock = running_clock(ticket)
    if clock is None:
        return None
    name, due_at = clock
    level: Level | None = reached(ticket.timestamp, due_at, now)
    left = (due_at - now).total_seconds()
    text = f"{name} due in {span(left)}" if left > 0 else f"{name} {span(-left)} over"
    return Countdown(level.value if level else "ok", text, due_at)


def sorted_tickets(tickets: Iterable[Ticket], sort: str) -> list[Ticket]:
    """Newest first, or by the nearest SLA deadline (none last), oldest first, most
    urgent priority first; ties keep the newest first."""
    shown = sorted(tickets, key=lambda t: t.number, reverse=True)
    keys: dict[str, Callable[[Ticket], float]] = {
        "sla": lambda t: clock[1].timestamp() if (clock := running_clock(t)) else float("inf"),
        "age": lambda t: t.timestamp.timestamp(),
        "priority": lambda t: -t.priority.rank,
    }
    key = keys.get(sort)
    return sorted(shown, key=key) if key else shown


@dataclass(frozen=True)
class Group:
    label: str
    tickets: tuple[Ticket, ...]


def groups(tickets: list[Ticket], group: str) -> list[Group]:
    """The list view's sections, in the order their first card comes."""
    sections: dict[str, list[Ticket]] = {}
    for ticket in tickets:
        label = ticket.location if group == "location" else ticket.priority.value
        sections.setdefault(label, []).append(ticket)
    return [Group(label, tuple(found)) for label, found in sections.items()]


def fingerprint(tickets: Iterable[Ticket], now: datetime) -> str:
    """Changes when a shown ticket changes (its version), one comes or goes, or a minute
    passes (the countdowns and ages move on)."""
    shown = ",".join(f"{t.ticket_id}:{t.version}" for t in tickets)
    minute = now.strftime("%Y%m%d%H%M")
    return hashlib.sha256(f"{minute}|{shown}".encode()).hexdigest()[:32]
