"""The ticket service: every change to a ticket goes through here, with its audit event
written in the same transaction. Callers pass the version they read; a stale one is
refused, never silently overwritten."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.followup.sla import levels as sla
from bot.tickets import status as machine
from bot.tickets.changes import ChangeWriter, RowChange, check_bay, clean_title
from bot.tickets.domain import (
    Category,
    InvalidTicket,
    Priority,
    Source,
    Status,
    ThreadRef,
    Ticket,
    TicketNotFound,
    ticket_id_for,
    ticket_number,
)
from bot.tickets.rows import TicketList, TicketReader

# Re-exported: features that read ticket rows through their own repositories (SLA
# notices, recurrence) map them to tickets with it.
from bot.tickets.rows import to_ticket as to_ticket
from storage.db import UnitOfWork
from storage.models import TicketRow, utcnow
from storage.tickets import TicketFields, TicketQuery

# What a `created` event records, each field from nothing to its first value.
CREATED_FIELDS = ("source", "category", "priority", "status", "location", "bay", "assigned_to")


@dataclass(frozen=True)
class NewTicket:
    title: str
    category: Category
    priority: Priority
    location: str
    created_by: str
    submitted_by: str
    source: Source
    description: str = ""
    bay: int | None = None
    assigned_to: str | None = None
    learnable: bool = False
    decided_by: str | None = None
    thread: ThreadRef | None = None
    problem_key: str | None = None
    # An operator opening the ticket is its first response; AI and system tickets wait
    # for an operator's first action.
    responded: bool = False


@dataclass(frozen=True)
class TicketFilter:
    statuses: Sequence[Status] = ()
    locations: Sequence[str] = ()
    priorities: Sequence[Priority] = ()
    categories: Sequence[Category] = ()
    assigned: bool | None = None
    assignee: str | None = None
    learnable: bool | None = None
    before: str | None = None
    limit: int | None = None


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


def _query(flt: TicketFilter) -> TicketQuery:
    return TicketQuery(
        statuses=[s.value for s in flt.statuses],
        locations=flt.locations,
        priorities=[p.value for p in flt.priorities],
        categories=[c.value for c in flt.categories],
        assigned=flt.assigned,
        assignee=flt.assignee,
        learnable=flt.learnable,
        before_number=ticket_number(flt.before) if flt.before else None,
        limit=flt.limit,
    )


def _new_ticket_fields(new: NewTicket, number: int, now: datetime) -> TicketFields:
    """An open ticket, its SLA deadlines set from its priority."""
    due = sla.deadlines(new.priority, now)
    return TicketFields(
        number=number,
        ticket_id=ticket_id_for(number),
        created_by=new.created_by,
        submitted_by=new.submitted_by,
        source=new.source.value,
        category=new.category.value,
        priority=new.priority.value,
        status=Status.OPEN.value,
        title=new.title,
        description=new.description,
        location=new.location,
        bay=new.bay,
        assigned_to=new.assigned_to,
        learnable=new.learnable,
        decided_by=new.decided_by,
        created_at=now,
        updated_at=now,
        problem_key=new.problem_key,
        response_due_at=due.response_due_at,
        resolution_due_at=due.resolution_due_at,
        first_response_at=now if new.responded else None,
    )


class TicketService(TicketReader):
    """Ticket use cases inside one unit of work (the caller's session and transaction)."""

    def __init__(self, session: UnitOfWork) -> None:
        super().__init__(session)
        self.writer = ChangeWriter(self.repo, session)

    async def list(self, flt: TicketFilter = TicketFilter()) -> TicketList:
        return await self._tickets(_query(flt))

    # --- changing ------------------------------------------------------------------

    async def create(self, new: NewTicket) -> Ticket:
        # Refused before numbering, so a refusal takes no ticket number.
        new = replace(new, title=clean_title(new.title), bay=check_bay(new.bay))
        number = await self.repo.next_number()
        now = utcnow()
        row = self.repo.add(_new_ticket_fields(new, number, now))
        await self.repo.flush()
        if new.thread is not None:
            self.writer.link_thread(row, new.thread, new.created_by, now)
        created = {name: [None, getattr(row, name)] for name in CREATED_FIELDS}
        self.writer.record(row, new.created_by, "created", created)
        return await self._flushed(row)

    async def assign(
        self, ticket_id: str, assignee: str | None, *, actor: str, expected_version: int | None
    ) -> Ticket:
        row = await self._row_for_change(ticket_id, expected_version)
        if assignee is None:
            machine.check_unassign(Status(row.status))
        change = RowChange(row)
        change.set("assigned_to", assignee)
        return await self._commit_change(change, actor, "assigned")

    async def change_status(
        self,
        ticket_id: str,
        target: Status,
        *,
        actor: str,
        expected_version: int | None,
        hold_reason: str | None = None,
        resolution_notes: str | None = None,
        assignee: str | None = None,
    ) -> Ticket:
        """Move a ticket to `target`; `assignee` may come with a move to in_progress."""
        row = await self._row_for_change(ticket_id, expected_version)
        machine.check_transition(
            Status(row.status),
            target,
            assignee=assignee or row.assigned_to,
            hold_reason=hold_reason,
            resolution_notes=resolution_notes,
        )
        change = RowChange(row)
        change.move(
            target, hold_reason=hold_reason, resolution_notes=resolution_notes, assignee=assignee
        )
        return await self._commit_change(change, actor, "status")

    async def resolve(
        self, ticket_id: str, notes: str, *, actor: str, expected_version: int | None
    ) -> Ticket:
        return await self.change_status(
            ticket_id,
            Status.RESOLVED,
            actor=actor,
            expected_version=expected_version,
            resolution_notes=notes,
        )

    async def unarchive(
        self, ticket_id: str, *, actor: str, expected_version: int | None
    ) -> Ticket:
        row = await self._row_for_change(ticket_id, expected_version, allow_archived=True)
        machine.check_unarchive(Status(row.status))
        change = RowChange(row)
        change.set("status", machine.UNARCHIVE_TARGET.value)
        return await self._commit_change(change, actor, "unarchived")

    async def add_note(
        self, ticket_id: str, text: str, *, actor: str, expected_version: int | None
    ) -> Ticket:
        if not text.strip():
            raise InvalidTicket("A note needs some text.")
        row = await self._row_for_change(ticket_id, expected_version)
        return await self._commit_change(RowChange(row), actor, "note", note=text.strip())

    async def set_learnable(
        self, ticket_id: str, learnable: bool, *, actor: str, expected_version: int | None
    ) -> Ticket:
        change = RowChange(await self._row_for_change(ticket_id, expected_version))
        change.set("learnable", learnable)
        return await self._commit_change(change, actor, "learnable")

    async def edit(
        self, ticket_id: str, edit: TicketEdit, *, actor: str, expected_version: int | None
    ) -> Ticket:
        change = RowChange(await self._row_for_change(ticket_id, expected_version))
        if edit.title is not None:
            change.set("title", clean_title(edit.title))
        if edit.description is not None:
            change.set("description", edit.description)
        if edit.category is not None:
            change.set("category", edit.category.value)
        if edit.priority is not None:
            change.reprioritise(edit.priority)
        if edit.location is not None:
            change.set("location", edit.location)
        if edit.clear_bay:
            change.set("bay", None)
        elif edit.bay is not None:
            change.set("bay", check_bay(edit.bay))
        return await self._commit_change(change, actor, "edited")

    async def link_thread(self, ticket_id: str, thread: ThreadRef, *, actor: str) -> Ticket:
        """Link another conversation to the ticket; linking the same thread twice is a no-op."""
        row = await self._row_for_change(ticket_id, None)
        if await self.repo.has_thread(row.number, str(thread)):
            return await self.get(ticket_id)
        now = utcnow()
        self.writer.link_thread(row, thread, actor, now)
        row.updated_at = now
        self.writer.record(row, actor, "thread_linked", {"linked_threads": [None, str(thread)]})
        return await self._flushed(row)

    async def set_parent(
        self, child_number: int, parent_number: int | None, *, actor: str
    ) -> Ticket:
        """Link a ticket under a recurrence parent (None unlinks it), audited as
        `parent_linked`. Grouping is bookkeeping, not a response: it never starts or stops
        the ticket's SLA clocks."""
        row = await self._row_for_change(ticket_id_for(child_number), None)
        if parent_number == row.number:
            raise InvalidTicket(f"{row.ticket_id} cannot be its own parent.")
        if parent_number is not None and await self.repo.get(parent_number) is None:
            raise TicketNotFound(ticket_id_for(parent_number))
        if row.parent_number == parent_number:
            return await self.get(row.ticket_id)
        before = ticket_id_for(row.parent_number) if row.parent_number else None
        row.parent_number = parent_number
        row.updated_at = utcnow()
        after = ticket_id_for(parent_number) if parent_number else None
        self.writer.record(row, actor, "parent_linked", {"parent_id": [before, after]})
        return await self._flushed(row)

    # --- internals -----------------------------------------------------------------

    async def _commit_change(
        self, change: RowChange, actor: str, action: str, note: str | None = None
    ) -> Ticket:
        if not change.changes and note is None:
            return await self.get(change.row.ticket_id)
        change.stamp(actor)
        self.writer.record(change.row, actor, action, change.changes, note)
        return await self._flushed(change.row)

    async def _flushed(self, row: TicketRow) -> Ticket:
        ticket_id = row.ticket_id  # read first: a failed save expires `row`
        await self.writer.save(row)
        return await self.get(ticket_id)
