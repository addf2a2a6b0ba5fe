"""System events as monitoring POSTs them: the body checked field by field into a typed
`SystemEvent` (a `BadEvent` names the field at fault), and the vocabulary of event names
(`read_event`: which device or condition, and what happened to it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.club import ClubConfig, Location
from bot.tickets.domain import Category, Priority

TEXT_MAX = 200  # longest accepted string field (the inbox key holds 255)


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
