"""The ticket domain: enums, value objects and the errors operators see."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Category(StrEnum):
    FACILITIES = "facilities"
    TECH = "tech"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Higher is more urgent; used for sorting and for raising a priority one step."""
        return list(Priority).index(self)


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    ARCHIVED = "archived"


class Source(StrEnum):
    MESSAGE_THREAD = "message_thread"
    SYSTEM_EVENT = "system_event"
    MANUAL = "manual"


TICKET_ID_PATTERN = re.compile(r"^T-(\d{1,12})$")
THREAD_REF_PATTERN = re.compile(r"^(?P<channel>[A-Z0-9]+):(?P<ts>\d+\.\d+)$")


def ticket_id_for(number: int) -> str:
    return f"T-{number}"


def ticket_number(ticket_id: str) -> int:
    """The number in a ticket id; raises InvalidTicket for anything not shaped `T-<n>`."""
    match = TICKET_ID_PATTERN.match(ticket_id.strip())
    if match is None:
        raise InvalidTicket(f"`{ticket_id}` is not a ticket id (expected T-<number>, e.g. T-42)")
    return int(match.group(1))


@dataclass(frozen=True)
class ThreadRef:
    """A conversation thread: channel id and the thread's root ts, written `C…:ts`."""

    channel: str
    thread_ts: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.thread_ts}"

    @classmethod
    def parse(cls, ref: str) -> ThreadRef | None:
        match = THREAD_REF_PATTERN.match(ref)
        if match is None:
            return None
        return cls(channel=match["channel"], thread_ts=match["ts"])


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    created_by: str
    submitted_by: str
    source: Source
    category: Category
    priority: Priority
    status: Status
    title: str
    description: str
    location: str
    timestamp: datetime
    assigned_to: str | None
    bay: int | None
    resolution_notes: str | None
    hold_reason: str | None
    learnable: bool
    decided_by: str | None
    updated_at: datetime
    resolved_at: datetime | None
    version: int
    linked_threads: tuple[str, ...] = ()
    problem_key: str | None = None
    parent_id: str | None = None
    response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    first_response_at: datetime | None = None
    dismissed: bool = False  # an operator said it should never have been opened

    @property
    def number(self) -> int:
        return ticket_number(self.ticket_id)

    @property
    def linked_thread(self) -> str | None:
        return self.linked_threads[0] if self.linked_threads else None


@dataclass(frozen=True)
class AuditEvent:
    ticket_id: str
    at: datetime
    actor: str
    action: str
    changes: dict[str, list[object]] = field(default_factory=dict)
    note: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True)
class TicketDraft:
    """A ticket before it exists: the one shape every way in fills (an operator's modal or
    reaction, triage of a customer message, a monitoring event, a recurrence parent, the
    prefill a modal opens with). A prefill may leave category and location open; creating
    a ticket needs both."""

    title: str = ""
    category: Category | None = None
    priority: Priority = Priority.MEDIUM
    location: str | None = None
    description: str = ""
    bay: int | None = None
    assignee: str | None = None
    learnable: bool = False
    # Who reported it (a customer id, a monitoring source); None: whoever opens it.
    customer: str | None = None
    thread: ThreadRef | None = None
    # Who chose the fields: an operator, a triage backend, monitoring; None: who opens it.
    decided_by: str | None = None
    problem_key: str | None = None


@dataclass(frozen=True)
class TicketFilter:
    statuses: Sequence[Status] = ()
    locations: Sequence[str] = ()
    priorities: Sequence[Priority] = ()
    categories: Sequence[Category] = ()
    assigned: bool | None = None
    assignee: str | None = None
    learnable: bool | None = None
    text: str | None = None  # found in the title or the description, ignoring case
    parent: str | None = None  # only the tickets grouped under this one
    before: str | None = None
    limit: int | None = None
    offset: int = 0  # matching tickets skipped before the first one returned
    urgent_first: bool = False  # most urgent priority first, then oldest; else newest first


@dataclass(frozen=True)
class TicketEdit:
    """Fields an operator may correct; None leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    category: Category | None = None
    priority: Priority | None = None
    location: str | None = None
    bay: int | None = None
    clear_bay: bool = False


class TicketError(Exception):
    """A refusal an operator can read: the message says what is wrong and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTicket(TicketError):
    pass


class TicketNotFound(TicketError):
    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"No ticket {ticket_id}.")
        self.ticket_id = ticket_id


class TransitionNotAllowed(TicketError):
    pass


class StaleTicket(TicketError):
    def __init__(self, ticket_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"{ticket_id} was changed by someone else while you were looking at it "
            f"(you saw version {expected}, it is now {actual}). Reload it and try again."
        )
        self.ticket_id = ticket_id
        self.expected = expected
        self.actual = actual
