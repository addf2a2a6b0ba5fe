"""The contract's ticket JSON: writing it (`ticket_to_json`) and reading it (`TicketRecord`).

The 13 seed keys come first, exactly as the seed schema names them, then the fixed
extras. Timestamps are ISO-8601 UTC with `Z`; fractional seconds appear only when they
are not zero, so a seed value written without them comes back unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.tickets.domain import (
    TICKET_ID_PATTERN,
    Category,
    Priority,
    Source,
    Status,
    Ticket,
    ticket_id_for,
)

SEED_KEYS: tuple[str, ...] = (
    "ticket_id",
    "created_by",
    "submitted_by",
    "source",
    "linked_thread",
    "category",
    "priority",
    "status",
    "title",
    "description",
    "location",
    "timestamp",
    "assigned_to",
)
EXTRA_KEYS: tuple[str, ...] = (
    "linked_threads",
    "bay",
    "resolution_notes",
    "hold_reason",
    "updated_at",
    "resolved_at",
    "learnable",
    "decided_by",
    "dismissed",
)
TICKET_JSON_KEYS: tuple[str, ...] = SEED_KEYS + EXTRA_KEYS

# Column sizes in storage/models.py: a longer value is refused on import, not cut short.
_TICKET_NUMBER_MAX = 2**31 - 1  # tickets.number is a 32-bit INTEGER
_TITLE_MAX = 200
_ID_MAX = 64
_SUBMITTER_MAX = 128
_LOCATION_MAX = 64
_THREAD_REF_MAX = 128

DEFAULT_IMPORT_ACTOR = "import"


def iso_utc(value: datetime) -> str:
    """`2024-11-25T14:30:00Z`; milliseconds or microseconds only when not zero."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        if value.microsecond % 1000 == 0:
            text += f".{value.microsecond // 1000:03d}"
        else:
            text += f".{value.microsecond:06d}"
    return text + "Z"


def _iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else iso_utc(value)


def ticket_to_json(ticket: Ticket) -> dict[str, Any]:
    """The contract's ticket JSON for one ticket (seed keys first, then the extras)."""
    return {
        "ticket_id": ticket.ticket_id,
        "created_by": ticket.created_by,
        "submitted_by": ticket.submitted_by,
        "source": ticket.source.value,
        "linked_thread": ticket.linked_thread,
        "category": ticket.category.value,
        "priority": ticket.priority.value,
        "status": ticket.status.value,
        "title": ticket.title,
        "description": ticket.description,
        "location": ticket.location,
        "timestamp": iso_utc(ticket.timestamp),
        "assigned_to": ticket.assigned_to,
        "linked_threads": list(ticket.linked_threads),
        "bay": ticket.bay,
        "resolution_notes": ticket.resolution_notes,
        "hold_reason": ticket.hold_reason,
        "updated_at": iso_utc(ticket.updated_at),
        "resolved_at": _iso_or_none(ticket.resolved_at),
        "learnable": ticket.learnable,
        "decided_by": ticket.decided_by,
        "dismissed": ticket.dismissed,
    }


ShortId = Annotated[str, Field(min_length=1, max_length=_ID_MAX)]
ThreadRefText = Annotated[str, Field(max_length=_THREAD_REF_MAX)]


class TicketRecord(BaseModel):
    """One ticket JSON object read for import. Unknown keys (e.g. `events`) are ignored."""

    model_config = ConfigDict(extra="ignore")

    ticket_id: str
    title: Annotated[str, Field(min_length=1, max_length=_TITLE_MAX)]
    category: Category
    priority: Priority
    status: Status
    location: Annotated[str, Field(min_length=1, max_length=_LOCATION_MAX)]
    timestamp: datetime

    created_by: ShortId = DEFAULT_IMPORT_ACTOR
    submitted_by: Annotated[str, Field(max_length=_SUBMITTER_MAX)] | None = None
    source: Source = Source.MANUAL
    linked_thread: ThreadRefText | None = None
    linked_threads: list[ThreadRefText] = Field(default_factory=list)
    description: str | None = None
    assigned_to: ShortId | None = None
    bay: Annotated[int, Field(ge=1)] | None = None
    resolution_notes: str | None = None
    hold_reason: str | None = None
    learnable: bool = False
    dismissed: bool = False
    decided_by: ShortId | None = None
    updated_at: datetime | None = None
    resolved_at: datetime | None = None

    @field_validator("ticket_id")
    @classmethod
    def _ticket_id_shape(cls, value: str) -> str:
        match = TICKET_ID_PATTERN.match(value.strip())
        if match is None:
            raise ValueError("expected a ticket id shaped T-<number>, e.g. T-30981")
        number = int(match.group(1))
        if not 1 <= number <= _TICKET_NUMBER_MAX:
            raise ValueError(f"ticket number must be between 1 and {_TICKET_NUMBER_MAX}")
        return ticket_id_for(number)  # canonical: "T-0042" is stored as "T-42"

    @field_validator("timestamp", "updated_at", "resolved_at")
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # no offset given: taken as UTC, as the contract writes it
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @field_validator("title")
    @classmethod
    def _one_line_title(cls, value: str) -> str:
        cleaned = " ".join(value.split())
        if not cleaned:
            raise ValueError("title is blank")
        return cleaned

    @field_validator("linked_thread", "submitted_by", "assigned_to", "decided_by", mode="after")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("location")
    @classmethod
    def _location_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("location is blank")
        return value

    @field_validator("learnable", "dismissed", mode="before")
    @classmethod
    def _null_is_false(cls, value: object) -> object:
        return False if value is None else value

    @property
    def number(self) -> int:
        return int(self.ticket_id.removeprefix("T-"))

    @property
    def threads(self) -> list[str]:
        """Every linked thread, `linked_thread` first, each once, blanks dropped."""
        refs: list[str] = []
        for ref in [self.linked_thread, *self.linked_threads]:
            if ref and ref not in refs:
                refs.append(ref)
        return refs
