"""Where one event sits among the stored ones, and what they say around it.

Every event is stored in the inbox under its group, the inbox thread of its device or
condition ("sys:<location>:<device>:<bay|->"); each ticket it opens carries a problem key
("system:<device>:<bay>", or "system:location:<location>" for a location-wide one).
`read_history` gathers, in the event's unit of work, the facts the rules decide on: the
open tickets of its problem and of its location, the repeats of its device within the
hour and the bays down with it within 10 minutes. The windows use the events'
`occurred_at`, not the time they arrive, and are found by the pure functions below."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.monitoring.parsing import Change, Device, Reading, SystemEvent, read_event, stamp
from bot.tickets.domain import Ticket
from bot.tickets.service import TicketService
from bot.tickets.status import OPEN_VALUES
from storage.models import InboxEventRow
from storage.system_events import SystemEventRepository

REPEAT_WINDOW = timedelta(hours=1)  # "offline 3 times within an hour"
OUTAGE_WINDOW = timedelta(minutes=10)  # "several bays down at once"
GROUP_LOCATION_MAX = 40  # inbox_events.thread holds 64: "sys:" + this + ":door_controller:99"


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


@dataclass(frozen=True)
class Case:
    """One event with the meaning of its name, and the keys that place it."""

    event: SystemEvent
    reading: Reading

    @property
    def location(self) -> str:
        return self.event.location

    @property
    def bay(self) -> int | None:
        """The bay its ticket is at: none for a location-wide device or condition."""
        return None if self.reading.blocks_location else self.event.bay

    @property
    def group(self) -> str:
        return group_key(self.location, self.reading, self.event.bay)

    @property
    def own_key(self) -> str:
        return problem_key(self.location, self.reading, self.event.bay)

    @property
    def location_key(self) -> str:
        return location_problem_key(self.location)


@dataclass(frozen=True)
class History:
    """What the stored events and open tickets say around one event."""

    location_ticket: Ticket | None = None  # the open location-wide ticket
    own_ticket: Ticket | None = None  # the open ticket of its own (not location-wide) problem
    offline: list[InboxEventRow] = field(default_factory=list)  # its device's repeats
    bays_down: dict[int, list[InboxEventRow]] = field(default_factory=dict)
    # Every group the location ticket took in, and of these (with this event's group)
    # the latest events that are still down.
    covered: set[str] = field(default_factory=set)
    still_down: list[InboxEventRow] = field(default_factory=list)


def occurred(row: InboxEventRow) -> datetime:
    return datetime.fromisoformat(str(row.payload["occurred_at"]))


def windows(
    rows: Sequence[InboxEventRow], at: datetime, span: timedelta
) -> Iterator[list[InboxEventRow]]:
    """Each `span`-long stretch of `rows` (oldest first) that starts at one of them and
    contains the moment `at`."""
    starts = sorted({occurred(row) for row in rows if at - span <= occurred(row) <= at})
    for start in starts:
        yield [row for row in rows if start <= occurred(row) <= start + span]


def offline_burst(
    rows: Sequence[InboxEventRow], device: Device, at: datetime
) -> list[InboxEventRow]:
    """The most offline events of `device` within one hour around `at`. Events may
    arrive out of order: any hour-long stretch containing `at` counts."""
    offline = [row for row in rows if row.payload.get("event") == f"{device.value}_offline"]
    return max(windows(offline, at, REPEAT_WINDOW), key=len, default=[])


def down_bays(rows: Sequence[InboxEventRow]) -> dict[int, list[InboxEventRow]]:
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


def most_bays_down(rows: Sequence[InboxEventRow], at: datetime) -> dict[int, list[InboxEventRow]]:
    """The most bays down at once within 10 minutes around `at` (a bay is down when a
    device's latest event in the stretch says so), with the events that say so."""
    best: dict[int, list[InboxEventRow]] = {}
    for window in windows(rows, at, OUTAGE_WINDOW):
        down = down_bays(window)
        if len(down) > len(best):
            best = down
    return best


async def read_history(repo: SystemEventRepository, tickets: TicketService, case: Case) -> History:
    """The facts the rules decide `case` on (each gathered only where it can matter)."""
    reader = _Reader(repo, tickets, case)
    location_ticket = await reader.open_ticket(case.location_key)
    covered = await reader.covered(location_ticket)
    device, down = case.reading.device, case.reading.change is not Change.UP
    bay_device_down = down and case.reading.bay_device and case.bay is not None
    return History(
        location_ticket=location_ticket,
        own_ticket=(
            None if case.own_key == case.location_key else await reader.open_ticket(case.own_key)
        ),
        offline=await reader.offline(device) if device is not None and down else [],
        bays_down=await reader.bays_down() if bay_device_down else {},
        covered=covered,
        still_down=await reader.still_down(covered | {case.group}) if location_ticket else [],
    )


@dataclass(frozen=True)
class _Reader:
    repo: SystemEventRepository
    tickets: TicketService
    case: Case

    async def open_ticket(self, key: str) -> Ticket | None:
        ticket_id = await self.repo.open_ticket_id(self.case.location, key, OPEN_VALUES)
        return await self.tickets.get(ticket_id) if ticket_id else None

    async def offline(self, device: Device) -> list[InboxEventRow]:
        at = self.case.event.occurred_at
        rows = await self.repo.in_window(
            since=stamp(at - REPEAT_WINDOW), until=stamp(at + REPEAT_WINDOW), group=self.case.group
        )
        return offline_burst(rows, device, at)

    async def bays_down(self) -> dict[int, list[InboxEventRow]]:
        at = self.case.event.occurred_at
        rows = await self.repo.in_window(
            since=stamp(at - OUTAGE_WINDOW),
            until=stamp(at + OUTAGE_WINDOW),
            group_prefix=group_prefix(self.case.location),
        )
        return most_bays_down(rows, at)

    async def covered(self, ticket: Ticket | None) -> set[str]:
        """Every event group the ticket took in (at its opening and as notes since)."""
        if ticket is None:
            return set()
        rows = await self.repo.for_ticket(group_prefix(self.case.location), ticket.ticket_id)
        return {group for row in rows for group in (row.result or {}).get("covers", [])}

    async def still_down(self, groups: Iterable[str]) -> list[InboxEventRow]:
        """The latest event of each group that is still a down event."""
        still: list[InboxEventRow] = []
        for group in sorted(groups):
            row = await self.repo.latest(group)
            reading = read_event(str(row.payload.get("event"))) if row is not None else None
            if row is not None and reading is not None and reading.change is not Change.UP:
                still.append(row)
        return still
