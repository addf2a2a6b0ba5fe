"""The rules of TRIAGE_RULES.md "System events", decided for one event from the history
around it, with no I/O: a device with an SOP going offline once or twice in an hour is
only logged; the third time, or a failed reset, opens a ticket; events with no SOP path
open one at once; several bays (or power, internet, the door controller) down at a
location make one critical ticket for the location; later events of an open problem
become notes on its ticket; "back online" suggests closure, never closes.

`decide` answers a `Plan`; the events service carries it out."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.club import Sop
from bot.monitoring.history import Case, History
from bot.monitoring.parsing import Change, Condition, Device, Reading, read_event
from bot.tickets.domain import Category, Priority, Ticket
from storage.models import InboxEventRow

REPEATS_FOR_TICKET = 3  # the third offline within the window opens a ticket
OUTAGE_BAYS = 3  # this many bays of one location down at once: a location outage
DESCRIBED_EVENTS_MAX = 20
BAYS_DOWN_TITLE = re.compile(r"^(?P<location>.+): (?P<count>\d+) bays down$")


class Decision(StrEnum):
    SOP = "sop"  # logged: the standard remote procedure handles it
    TICKET_OPENED = "ticket_opened"
    NOTED = "noted"  # attached to the open ticket of its problem as a note
    CLOSE_SUGGESTED = "close_suggested"  # back to normal while its ticket is open
    NOTHING = "nothing"  # back to normal with no open ticket
    UNKNOWN_EVENT = "unknown_event"  # stored, no ticket

    @property
    def changed_ticket(self) -> bool:
        return self in (Decision.TICKET_OPENED, Decision.NOTED)


@dataclass(frozen=True)
class NoTicket:
    decision: Decision
    note: str


@dataclass(frozen=True)
class OpenTicket:
    title: str
    category: Category
    priority: Priority
    problem_key: str
    bay: int | None
    description: str
    # Event groups the ticket takes in: a location ticket is back to normal when every
    # group it took in is up again.
    covers: tuple[str, ...]


@dataclass(frozen=True)
class AddNote:
    ticket: Ticket
    text: str
    covers: tuple[str, ...] = ()
    retitle: str | None = None  # a new title to give the ticket first


@dataclass(frozen=True)
class SuggestClose:
    ticket: Ticket
    reason: str
    text: str  # the reason as the operators see it, stamped with the event


Plan = NoTicket | OpenTicket | AddNote | SuggestClose


def decide(case: Case, history: History, sop: Sop | None) -> Plan:
    """What to do about one event; `sop` is its device's standard procedure, if any."""
    reading = case.reading
    if reading.change is Change.UP:
        return _back_to_normal(case, history)
    if reading.outage and history.location_ticket is not None:
        return _attach(case, history, history.location_ticket)
    if history.own_ticket is not None:
        return _attach(case, history, history.own_ticket)
    if reading.condition is not None:
        return _condition(case, reading.condition)
    assert reading.device is not None
    return _device_down(case, history, reading.device, sop)


def _condition(case: Case, condition: Condition) -> OpenTicket:
    events = [case.event.payload()]
    if condition.blocks_location:
        return _open_location(case, _line(case), condition.category, events, (case.group,))
    return _open(case, _line(case), condition.category, condition.priority, events)


def _device_down(case: Case, history: History, device: Device, sop: Sop | None) -> Plan:
    if case.reading.bay_device and case.bay is not None and len(history.bays_down) >= OUTAGE_BAYS:
        return _bays_down(case, history.bays_down)
    repeats = len(history.offline)
    if case.reading.change is Change.DOWN and sop is not None and repeats < REPEATS_FOR_TICKET:
        times = "first time" if repeats <= 1 else f"{repeats} times"
        return NoTicket(
            Decision.SOP,
            f"{_line(case)} ({times} within an hour): SOP {sop.procedure!r}, no ticket",
        )
    title = _line(case)
    if case.reading.change is Change.DOWN and repeats >= REPEATS_FOR_TICKET:
        title += f" ({repeats} times in an hour)"
    events = [row.payload for row in history.offline]
    if case.reading.change is not Change.DOWN:
        events.append(case.event.payload())
    extra = (
        f"Standard procedure: {sop.procedure} — run, and the device keeps failing."
        if sop is not None
        else "No standard remote procedure covers this device."
    )
    if device.blocks_location:
        return _open_location(case, title, Category.TECH, events, (case.group,), extra)
    return _open(case, title, Category.TECH, Priority.HIGH, events, extra)


def _bays_down(case: Case, down: Mapping[int, list[InboxEventRow]]) -> OpenTicket:
    bays = sorted(down)
    rows = [row for bay in bays for row in down[bay]]
    groups = tuple(sorted({str(row.thread) for row in rows}))
    title = f"{case.location}: {len(bays)} bays down"
    return _open_location(case, title, Category.TECH, [row.payload for row in rows], groups)


def _back_to_normal(case: Case, history: History) -> Plan:
    line = _line(case)
    if history.own_ticket is not None:
        return _suggest(case, history.own_ticket, line)
    held = history.location_ticket
    if held is not None and case.group in history.covered:
        if not history.still_down:
            return _suggest(case, held, f"{line}: nothing reported down any more")
        rest = ", ".join(_describe_row(case.location, row) for row in history.still_down)
        return AddNote(held, _stamped(case, f"{line}; still down: {rest}"))
    return NoTicket(Decision.NOTHING, f"{line}: no open ticket, nothing to do")


def _open(
    case: Case,
    title: str,
    category: Category,
    priority: Priority,
    events: Sequence[Mapping[str, Any]],
    extra: str = "",
) -> OpenTicket:
    """A ticket for the event's own problem (a device or condition in one place)."""
    description = _description(events, extra)
    return OpenTicket(title, category, priority, case.own_key, case.bay, description, (case.group,))


def _open_location(
    case: Case,
    title: str,
    category: Category,
    events: Sequence[Mapping[str, Any]],
    covers: tuple[str, ...],
    extra: str = "",
) -> OpenTicket:
    """One critical ticket for a location-wide problem."""
    description = _description(events, extra)
    return OpenTicket(
        title, category, Priority.CRITICAL, case.location_key, None, description, covers
    )


def _attach(case: Case, history: History, ticket: Ticket) -> AddNote:
    """A down event of a problem whose ticket is open: a note on it, no new ticket."""
    line = _line(case)
    repeats = len(history.offline)
    if case.reading.change is Change.DOWN and case.reading.device is not None and repeats > 1:
        line += f" ({repeats} times within an hour)"
    retitle = (
        _outage_title(case, history, ticket) if ticket.problem_key == case.location_key else None
    )
    return AddNote(ticket, _stamped(case, line), covers=(case.group,), retitle=retitle)


def _suggest(case: Case, ticket: Ticket, reason: str) -> SuggestClose:
    return SuggestClose(ticket, reason, _stamped(case, reason))


def _outage_title(case: Case, history: History, ticket: Ticket) -> str | None:
    """Keep "Bedford: 3 bays down" counting while more bays join (unless an operator
    has retitled the ticket)."""
    match = BAYS_DOWN_TITLE.match(ticket.title)
    if match is None or match["location"] != case.location:
        return None
    bays = {
        row.payload.get("bay")
        for row in history.still_down
        if (r := read_event(str(row.payload.get("event")))) is not None and r.bay_device
    } - {None}
    return f"{case.location}: {len(bays)} bays down" if len(bays) > int(match["count"]) else None


# --- the words ---------------------------------------------------------------------------


def _line(case: Case) -> str:
    """E.g. "Projector offline in Bay 3"."""
    return case.reading.describe() + _where(case.location, case.reading, case.event.bay)


def _stamped(case: Case, text: str) -> str:
    at = case.event.occurred_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"{text} (event {case.event.id}, {at})"


def _where(location: str, reading: Reading, bay: int | None) -> str:
    return (
        f" in Bay {bay}" if bay is not None and not reading.blocks_location else f" at {location}"
    )


def _describe_row(location: str, row: InboxEventRow) -> str:
    reading = read_event(str(row.payload.get("event")))
    if reading is None:
        return str(row.payload.get("event"))
    bay = row.payload.get("bay")
    return reading.describe() + _where(location, reading, bay if isinstance(bay, int) else None)


def _payload_line(payload: Mapping[str, Any]) -> str:
    when = str(payload.get("occurred_at", ""))[:16].replace("T", " ")
    parts = [f"{when} UTC", str(payload.get("event"))]
    if payload.get("bay") is not None:
        parts.append(f"Bay {payload['bay']}")
    if payload.get("device"):
        parts.append(f"device {payload['device']}")
    if payload.get("source"):
        parts.append(f"from {payload['source']}")
    parts.append(f"event id {payload.get('id')}")
    return "- " + " · ".join(parts)


def _description(events: Sequence[Mapping[str, Any]], extra: str) -> str:
    lines = [_payload_line(payload) for payload in events]
    shown = lines[-DESCRIBED_EVENTS_MAX:]
    head = "Opened by monitoring from these events"
    if len(lines) > len(shown):
        head += f" (the last {len(shown)} of {len(lines)})"
    return "\n".join([f"{head}:", *shown, *([extra] if extra else [])])
