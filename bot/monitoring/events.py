"""System events from monitoring (POST /api/system-events), decided by the rules of
TRIAGE_RULES.md "System events": a device with an SOP going offline once or twice in an
hour is only logged; the third time, or a failed reset, opens a ticket; events with no
SOP path open one at once; several bays (or power, internet, the door controller) down
at a location make one critical ticket for the location and an ops-channel alert; later
events of an open problem become notes on its ticket; "back online" suggests closure.

Each event is stored in the inbox (key `sysevent:<id>`) in the same unit of work as its
effects, so a repeated id changes nothing and answers what was decided the first time.
Windows ("3 times within an hour", "bays down within 10 minutes") use the events'
`occurred_at`, not the time they arrive."""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club import ClubConfig, Location
from bot.followup.recurrence import check_recurrence
from bot.tickets.domain import Category, Priority, Source, Ticket
from bot.tickets.notices import Notifier
from bot.tickets.service import NewTicket, TicketEdit, TicketService
from bot.tickets.status import OPEN_STATUSES
from storage.db import Database
from storage.inbox import InboxRepository
from storage.models import InboxEventRow, utcnow
from storage.system_events import SYSTEM_EVENT_KIND, SystemEventRepository

log = logging.getLogger("clubos.system_events")

ACTOR = "monitoring"  # created_by of event tickets, actor of their notes
DECIDED_BY = "rules"
INBOX_PREFIX = "sysevent:"
REPEAT_WINDOW = timedelta(hours=1)
REPEATS_FOR_TICKET = 3  # the third offline within the window opens a ticket
OUTAGE_WINDOW = timedelta(minutes=10)
OUTAGE_BAYS = 3  # this many bays of one location down at once: a location outage
TEXT_MAX = 200  # longest accepted string field (the inbox key holds 255)
SUBMITTED_BY_MAX = 128  # tickets.submitted_by
DESCRIBED_EVENTS_MAX = 20
OPEN_VALUES = sorted(s.value for s in OPEN_STATUSES)
GROUP_LOCATION_MAX = 40  # inbox_events.thread holds 64: "sys:" + this + ":door_controller:99"
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


class Device(StrEnum):
    PROJECTOR = "projector"
    PC = "pc"
    TRACKMAN = "trackman"
    KIOSK = "kiosk"
    DOOR_CONTROLLER = "door_controller"

    @property
    def label(self) -> str:
        return DEVICE_LABELS[self]

    @property
    def blocks_location(self) -> bool:
        """Down, it leaves the whole location unusable (nobody can get in)."""
        return self is Device.DOOR_CONTROLLER


DEVICE_LABELS = {
    Device.PROJECTOR: "Projector",
    Device.PC: "PC",
    Device.TRACKMAN: "TrackMan",
    Device.KIOSK: "Kiosk",
    Device.DOOR_CONTROLLER: "Door controller",
}


class Change(StrEnum):
    DOWN = "down"
    RESET_FAILED = "reset_failed"
    UP = "up"


@dataclass(frozen=True)
class Condition:
    """A problem with no standard remote procedure: it opens a ticket at once."""

    subject: str
    label: str
    cleared_label: str
    category: Category
    priority: Priority
    blocks_location: bool = False


CONDITIONS: dict[str, Condition] = {
    "internet_down": Condition(
        "internet", "Internet down", "Internet restored", Category.TECH, Priority.CRITICAL, True
    ),
    "power_loss": Condition(
        "power", "Power loss", "Power restored", Category.FACILITIES, Priority.CRITICAL, True
    ),
    "leak_detected": Condition(
        "leak", "Leak detected", "Leak cleared", Category.FACILITIES, Priority.HIGH
    ),
    "temperature_low": Condition(
        "temperature",
        "Temperature low",
        "Temperature normal",
        Category.FACILITIES,
        Priority.MEDIUM,
    ),
    "projector_lamp_low": Condition(
        "projector_lamp", "Projector lamp low", "", Category.TECH, Priority.MEDIUM
    ),
    "disk_space_low": Condition("disk_space", "Disk space low", "", Category.TECH, Priority.LOW),
}
# Each pair's second event: the first's "back to normal".
CLEARED_BY: dict[str, str] = {
    "internet_restored": "internet_down",
    "power_restored": "power_loss",
    "leak_cleared": "leak_detected",
    "temperature_normal": "temperature_low",
}
DEVICE_SUFFIXES = (
    ("_offline", Change.DOWN),
    ("_online", Change.UP),
    ("_reset_failed", Change.RESET_FAILED),
)


@dataclass(frozen=True)
class Reading:
    """What an event name says: which device or condition, and what happened to it."""

    change: Change
    device: Device | None = None
    condition: Condition | None = None

    @property
    def subject(self) -> str:
        if self.device is not None:
            return self.device.value
        assert self.condition is not None
        return self.condition.subject

    @property
    def blocks_location(self) -> bool:
        if self.device is not None:
            return self.device.blocks_location
        return self.condition is not None and self.condition.blocks_location

    @property
    def bay_device(self) -> bool:
        return self.device is not None and not self.device.blocks_location

    @property
    def outage(self) -> bool:
        """A down event that an open location-wide ticket takes in as a note."""
        return self.change is not Change.UP and (self.device is not None or self.blocks_location)

    def describe(self) -> str:
        if self.device is not None:
            what = {
                Change.DOWN: "offline",
                Change.UP: "back online",
                Change.RESET_FAILED: "reset failed",
            }[self.change]
            return f"{self.device.label} {what}"
        assert self.condition is not None
        return self.condition.cleared_label if self.change is Change.UP else self.condition.label


def read_event(name: str) -> Reading | None:
    """The meaning of an event name; None for a name the contract does not list."""
    for suffix, change in DEVICE_SUFFIXES:
        if name.endswith(suffix):
            try:
                return Reading(change, device=Device(name.removesuffix(suffix)))
            except ValueError:
                return None
    if name in CONDITIONS:
        return Reading(Change.DOWN, condition=CONDITIONS[name])
    if name in CLEARED_BY:
        return Reading(Change.UP, condition=CONDITIONS[CLEARED_BY[name]])
    return None


# --- the event as received -----------------------------------------------------------


class BadEvent(Exception):
    """A body the endpoint refuses (400): `field` names the culprit."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class SystemEvent:
    id: str
    location: str  # as configured
    event: str
    device: str | None
    bay: int | None
    occurred_at: datetime
    source: str | None
    received_at: datetime

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "location": self.location,
            "event": self.event,
            "device": self.device,
            "bay": self.bay,
            "occurred_at": stamp(self.occurred_at),
            "source": self.source,
            "received_at": stamp(self.received_at),
        }


def stamp(moment: datetime) -> str:
    """Fixed-width ISO-8601 UTC: string order is time order (the storage relies on it)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(body: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise BadEvent(name, f"`{name}` is required (a string)")
        return None
    if not isinstance(value, str):
        raise BadEvent(name, f"`{name}` must be a string, not {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise BadEvent(name, f"`{name}` must not be empty")
    if len(value) > TEXT_MAX:
        raise BadEvent(name, f"`{name}` is longer than {TEXT_MAX} characters")
    if "\x00" in value:
        raise BadEvent(name, f"`{name}` contains a NUL character")
    return value or None


def _bay(body: Mapping[str, Any], location: Location) -> int | None:
    value = body.get("bay")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadEvent("bay", f"`bay` must be an integer or null, not {type(value).__name__}")
    if not 1 <= value <= location.bays:
        raise BadEvent("bay", f"{location.name} has bays 1 to {location.bays}, not {value}")
    return value


def _occurred_at(body: Mapping[str, Any], received_at: datetime) -> datetime:
    value = body.get("occurred_at")
    if value is None:
        return received_at
    if not isinstance(value, str):
        raise BadEvent("occurred_at", "`occurred_at` must be an ISO-8601 string")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadEvent(
            "occurred_at", f"`occurred_at` is not ISO-8601 (e.g. 2025-01-31T22:05:00Z): {value!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # no offset given: read as UTC
    if not 2000 <= moment.astimezone(UTC).year <= 9999:
        raise BadEvent("occurred_at", "`occurred_at` is out of range")
    return moment.astimezone(UTC)


def parse_event(body: object, club: ClubConfig, received_at: datetime) -> SystemEvent:
    """The event a request body describes; raises BadEvent naming the field at fault."""
    if not isinstance(body, dict):
        raise BadEvent("body", "the body must be a JSON object")
    event_id = _text(body, "id", required=True)
    location_name = _text(body, "location", required=True)
    event_name = _text(body, "event", required=True)
    assert event_id is not None and location_name is not None and event_name is not None
    location = club.location(location_name)
    if location is None:
        known = ", ".join(loc.name for loc in club.locations)
        raise BadEvent("location", f"unknown location {location_name!r} (known: {known})")
    return SystemEvent(
        id=event_id,
        location=location.name,
        event=event_name,
        device=_text(body, "device", required=False),
        bay=_bay(body, location),
        occurred_at=_occurred_at(body, received_at),
        source=_text(body, "source", required=False),
        received_at=received_at,
    )


# --- deciding ------------------------------------------------------------------------


@dataclass(frozen=True)
class EventOutcome:
    decision: Decision
    ticket_id: str | None
    note: str
    duplicate: bool = False


@dataclass(frozen=True)
class _Decided:
    decision: Decision
    ticket_id: str | None
    note: str
    # Event groups this decision put under the ticket: a location ticket is back to
    # normal when every group it took in is up again.
    covers: tuple[str, ...] = ()

    def result(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "ticket_id": self.ticket_id,
            "note": self.note,
            "covers": list(self.covers),
        }


def group_prefix(location: str) -> str:
    """ "sys:<location>:", the start of every group of a location. A long name is cut and
    tagged with its checksum, so that every group fits the inbox's 64-character column."""
    if len(location) > GROUP_LOCATION_MAX:
        tag = zlib.crc32(location.encode()) & 0xFFFFFFFF
        location = f"{location[: GROUP_LOCATION_MAX - 9]}~{tag:08x}"
    return f"sys:{location}:"


def group_key(location: str, reading: Reading, bay: int | None) -> str:
    """The inbox grouping of one device or condition: "sys:<location>:<device>:<bay|->"."""
    place = "-" if reading.blocks_location or bay is None else str(bay)
    return f"{group_prefix(location)}{reading.subject}:{place}"


def location_problem_key(location: str) -> str:
    return f"system:location:{location}"


def problem_key(location: str, reading: Reading, bay: int | None) -> str:
    if reading.blocks_location:
        return location_problem_key(location)
    return f"system:{reading.subject}" + (f":{bay}" if bay is not None else "")


def _where(location: str, reading: Reading, bay: int | None) -> str:
    return (
        f" in Bay {bay}" if bay is not None and not reading.blocks_location else f" at {location}"
    )


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


def _occurred(row: InboxEventRow) -> datetime:
    return datetime.fromisoformat(str(row.payload["occurred_at"]))


def _windows(
    rows: Sequence[InboxEventRow], at: datetime, span: timedelta
) -> Iterator[list[InboxEventRow]]:
    """Each `span`-long stretch of `rows` (oldest first) that starts at one of them and
    contains the moment `at`."""
    starts = sorted({_occurred(row) for row in rows if at - span <= _occurred(row) <= at})
    for start in starts:
        yield [row for row in rows if start <= _occurred(row) <= start + span]


def _down_bays(rows: Sequence[InboxEventRow]) -> dict[int, list[InboxEventRow]]:
    """Bays with a bay device whose latest event among `rows` (oldest first) is down."""
    latest: dict[str, InboxEventRow] = {}
    for row in rows:
        latest[str(row.thread)] = row
    down: dict[int, list[InboxEventRow]] = {}
    for row in latest.values():
        reading = read_event(str(row.payload.get("event")))
        bay = row.payload.get("bay")
        is_down = reading is not None and reading.bay_device and reading.change is not Change.UP
        if is_down and isinstance(bay, int):
            down.setdefault(bay, []).append(row)
    return down


def _description(events: Sequence[Mapping[str, Any]], extra: str) -> str:
    lines = [_payload_line(payload) for payload in events]
    shown = lines[-DESCRIBED_EVENTS_MAX:]
    head = "Opened by monitoring from these events"
    if len(lines) > len(shown):
        head += f" (the last {len(shown)} of {len(lines)})"
    return "\n".join([f"{head}:", *shown, *([extra] if extra else [])])


class SystemEvents:
    """The events service: one unit of work per event (store, decide, act)."""

    def __init__(
        self,
        database: Database,
        club: ClubConfig,
        wake_sender: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.club = club
        self.wake_sender = wake_sender
        self.clock = clock

    def parse(self, body: object) -> SystemEvent:
        return parse_event(body, self.club, self.clock())

    def routed_channel(self, ticket: Ticket) -> str | None:
        return self.club.routing.channel_for(ticket.category)

    async def receive(self, event: SystemEvent) -> EventOutcome:
        reading = read_event(event.event)
        group = group_key(event.location, reading, event.bay) if reading else None
        key = f"{INBOX_PREFIX}{event.id}"
        async with self.database.unit_of_work() as session:
            await SystemEventRepository(session).serialize(event.location)
            inbox = InboxRepository(session)
            if not await inbox.record(key, SYSTEM_EVENT_KIND, event.payload(), thread=group):
                return _replayed(await inbox.get(key))
            if reading is None:
                decided = _Decided(
                    Decision.UNKNOWN_EVENT,
                    None,
                    f"unknown event {event.event!r}: stored, no ticket",
                )
            else:
                decided = await _Round(self, session, event, reading).decide()
            row = await inbox.get(key)
            assert row is not None
            inbox.finish(row, decided.result())
        log.info(
            "system_event.decided",
            extra={
                "event_id": event.id,
                "event": event.event,
                "location": event.location,
                "decision": decided.decision.value,
                "ticket_id": decided.ticket_id,
            },
        )
        return EventOutcome(decided.decision, decided.ticket_id, decided.note)


def _replayed(row: InboxEventRow | None) -> EventOutcome:
    """The answer to a repeated id: what was decided the first time, changing nothing."""
    result = (row.result if row is not None else None) or {}
    decision = Decision(result.get("decision", Decision.NOTHING.value))
    return EventOutcome(
        decision,
        result.get("ticket_id"),
        f"already received: {result.get('note', '')}".strip(),
        duplicate=True,
    )


class _Round:
    """One event's decision, inside its unit of work."""

    def __init__(
        self, service: SystemEvents, session: AsyncSession, event: SystemEvent, reading: Reading
    ) -> None:
        self.club = service.club
        self.now = service.clock()
        self.event = event
        self.reading = reading
        self.location = event.location
        self.bay = None if reading.blocks_location else event.bay
        self.group = group_key(event.location, reading, event.bay)
        self.prefix = group_prefix(event.location)
        self.location_key = location_problem_key(event.location)
        self.own_key = problem_key(event.location, reading, event.bay)
        self.tickets = TicketService(session)
        self.notify = Notifier(session, service.routed_channel, service.wake_sender)
        self.repo = SystemEventRepository(session)

    # --- what happened ---------------------------------------------------------------

    def _line(self) -> str:
        """E.g. "Projector offline in Bay 3"."""
        return self.reading.describe() + _where(self.location, self.reading, self.event.bay)

    def _stamped(self, text: str) -> str:
        at = self.event.occurred_at.strftime("%Y-%m-%d %H:%M UTC")
        return f"{text} (event {self.event.id}, {at})"

    # --- the rules -------------------------------------------------------------------

    async def decide(self) -> _Decided:
        if self.reading.change is Change.UP:
            return await self._back_to_normal()
        if self.reading.outage:
            held = await self._open_ticket(self.location_key)
            if held is not None:
                return await self._attach(held)
        if self.own_key != self.location_key:
            own = await self._open_ticket(self.own_key)
            if own is not None:
                return await self._attach(own)
        if self.reading.condition is not None:
            return await self._condition(self.reading.condition)
        assert self.reading.device is not None
        return await self._device_down(self.reading.device)

    async def _condition(self, condition: Condition) -> _Decided:
        title = self._line()
        events = [self.event.payload()]
        if condition.blocks_location:
            return await self._open_location(title, condition.category, events, (self.group,))
        return await self._open(
            title, condition.category, condition.priority, self.own_key, events, (self.group,)
        )

    async def _device_down(self, device: Device) -> _Decided:
        if self.reading.bay_device and self.bay is not None:
            down = await self._bays_down()
            if len(down) >= OUTAGE_BAYS:
                bays = sorted(down)
                rows = [row for bay in bays for row in down[bay]]
                groups = tuple(sorted({str(row.thread) for row in rows}))
                title = f"{self.location}: {len(bays)} bays down"
                events = [row.payload for row in rows]
                return await self._open_location(title, Category.TECH, events, groups)
        offline = await self._offline_burst(device)
        sop = self.club.sop_for(device.value)
        if (
            self.reading.change is Change.DOWN
            and sop is not None
            and len(offline) < REPEATS_FOR_TICKET
        ):
            times = "first time" if len(offline) <= 1 else f"{len(offline)} times"
            return _Decided(
                Decision.SOP,
                None,
                f"{self._line()} ({times} within an hour): SOP {sop.procedure!r}, no ticket",
            )
        title = self._line()
        if self.reading.change is Change.DOWN and len(offline) >= REPEATS_FOR_TICKET:
            title += f" ({len(offline)} times in an hour)"
        events = [row.payload for row in offline]
        if self.reading.change is not Change.DOWN:
            events.append(self.event.payload())
        extra = (
            f"Standard procedure: {sop.procedure} — run, and the device keeps failing."
            if sop is not None
            else "No standard remote procedure covers this device."
        )
        if device.blocks_location:
            return await self._open_location(title, Category.TECH, events, (self.group,), extra)
        return await self._open(
            title, Category.TECH, Priority.HIGH, self.own_key, events, (self.group,), extra
        )

    async def _back_to_normal(self) -> _Decided:
        line = self._line()
        if self.own_key != self.location_key:
            own = await self._open_ticket(self.own_key)
            if own is not None:
                return self._suggest(own, line)
        held = await self._open_ticket(self.location_key)
        if held is not None:
            members = await self._members(held)
            if self.group in members:
                still = await self._still_down(members)
                if not still:
                    return self._suggest(held, f"{line}: nothing reported down any more")
                rest = ", ".join(self._describe_row(row) for row in still)
                return await self._note(held, self._stamped(f"{line}; still down: {rest}"))
        return _Decided(Decision.NOTHING, None, f"{line}: no open ticket, nothing to do")

    # --- acting ----------------------------------------------------------------------

    async def _open(
        self,
        title: str,
        category: Category,
        priority: Priority,
        key: str,
        events: Sequence[Mapping[str, Any]],
        covers: tuple[str, ...],
        extra: str = "",
    ) -> _Decided:
        ticket = await self.tickets.create(
            NewTicket(
                title=title,
                category=category,
                priority=priority,
                location=self.location,
                bay=None if key == self.location_key else self.bay,
                description=_description(events, extra),
                created_by=ACTOR,
                submitted_by=(self.event.source or ACTOR)[:SUBMITTED_BY_MAX],
                source=Source.SYSTEM_EVENT,
                decided_by=DECIDED_BY,
                problem_key=key,
            )
        )
        self.notify.created(ticket)
        routed = self.notify.routed_channel(ticket)
        if ticket.priority is Priority.CRITICAL:
            card = f"; its card is in <#{routed}>" if routed else ""
            self.notify.post_text(
                self.club.slack.ops_channel,
                f":rotating_light: Critical: {ticket.ticket_id} {ticket.title} — opened from "
                f"monitoring events at {self.location}{card}.",
            )
        await check_recurrence(self.tickets, self.notify, ticket, self.now, actor=ACTOR)
        return _Decided(
            Decision.TICKET_OPENED, ticket.ticket_id, f"opened {ticket.ticket_id}: {title}", covers
        )

    async def _open_location(
        self,
        title: str,
        category: Category,
        events: Sequence[Mapping[str, Any]],
        covers: tuple[str, ...],
        extra: str = "",
    ) -> _Decided:
        return await self._open(
            title, category, Priority.CRITICAL, self.location_key, events, covers, extra
        )

    async def _attach(self, ticket: Ticket) -> _Decided:
        """A down event of a problem whose ticket is open: a note on it, no new ticket."""
        line = self._line()
        if self.reading.change is Change.DOWN and self.reading.device is not None:
            count = len(await self._offline_burst(self.reading.device))
            if count > 1:
                line += f" ({count} times within an hour)"
        if ticket.problem_key == self.location_key:
            await self._retitle_outage(ticket)
        return await self._note(ticket, self._stamped(line), covers=(self.group,))

    async def _note(self, ticket: Ticket, text: str, covers: tuple[str, ...] = ()) -> _Decided:
        noted = await self.tickets.add_note(
            ticket.ticket_id, text, actor=ACTOR, expected_version=None
        )
        self.notify.changed(noted, ACTOR, "note", text)
        return _Decided(
            Decision.NOTED, noted.ticket_id, f"added to {noted.ticket_id}: {text}", covers
        )

    def _suggest(self, ticket: Ticket, reason: str) -> _Decided:
        """Back to normal: suggest closing the ticket; never close it."""
        self.notify.suggest_close(ticket, self._stamped(reason), ACTOR)
        return _Decided(
            Decision.CLOSE_SUGGESTED,
            ticket.ticket_id,
            f"suggested closing {ticket.ticket_id}: {reason}",
        )

    async def _retitle_outage(self, ticket: Ticket) -> None:
        """Keep "Bedford: 3 bays down" counting while more bays join (unless an operator
        has retitled the ticket)."""
        match = BAYS_DOWN_TITLE.match(ticket.title)
        if match is None or match["location"] != self.location:
            return
        members = await self._members(ticket) | {self.group}
        bays = {
            row.payload.get("bay")
            for row in await self._still_down(members)
            if (r := read_event(str(row.payload.get("event")))) is not None and r.bay_device
        } - {None}
        if len(bays) > int(match["count"]):
            await self.tickets.edit(
                ticket.ticket_id,
                TicketEdit(title=f"{self.location}: {len(bays)} bays down"),
                actor=ACTOR,
                expected_version=None,
            )

    # --- reading the event history ---------------------------------------------------

    async def _open_ticket(self, key: str) -> Ticket | None:
        ticket_id = await self.repo.open_ticket_id(self.location, key, OPEN_VALUES)
        return await self.tickets.get(ticket_id) if ticket_id else None

    async def _offline_burst(self, device: Device) -> list[InboxEventRow]:
        """The most offline events of this device within one hour around this event.
        Events may arrive out of order: any hour-long stretch containing it counts."""
        at = self.event.occurred_at
        rows = await self.repo.in_window(
            since=stamp(at - REPEAT_WINDOW), until=stamp(at + REPEAT_WINDOW), group=self.group
        )
        offline = [row for row in rows if row.payload.get("event") == f"{device.value}_offline"]
        return max(_windows(offline, at, REPEAT_WINDOW), key=len, default=[])

    async def _bays_down(self) -> dict[int, list[InboxEventRow]]:
        """The most bays of this location down at once within 10 minutes around this
        event (a bay is down when a device's latest event in the stretch says so), with
        the events that say so."""
        at = self.event.occurred_at
        rows = await self.repo.in_window(
            since=stamp(at - OUTAGE_WINDOW),
            until=stamp(at + OUTAGE_WINDOW),
            group_prefix=self.prefix,
        )
        best: dict[int, list[InboxEventRow]] = {}
        for window in _windows(rows, at, OUTAGE_WINDOW):
            down = _down_bays(window)
            if len(down) > len(best):
                best = down
        return best

    async def _members(self, ticket: Ticket) -> set[str]:
        """Every event group the ticket took in (at its opening and as notes since)."""
        rows = await self.repo.for_ticket(self.prefix, ticket.ticket_id)
        return {group for row in rows for group in (row.result or {}).get("covers", [])}

    async def _still_down(self, groups: Iterable[str]) -> list[InboxEventRow]:
        """The latest event of each group that is still a down event."""
        still: list[InboxEventRow] = []
        for group in sorted(groups):
            row = await self.repo.latest(group)
            reading = read_event(str(row.payload.get("event"))) if row is not None else None
            if row is not None and reading is not None and reading.change is not Change.UP:
                still.append(row)
        return still

    def _describe_row(self, row: InboxEventRow) -> str:
        reading = read_event(str(row.payload.get("event")))
        if reading is None:
            return str(row.payload.get("event"))
        bay = row.payload.get("bay")
        return reading.describe() + _where(
            self.location, reading, bay if isinstance(bay, int) else None
        )
