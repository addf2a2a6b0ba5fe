"""The ticket service: every change to a ticket goes through here, with its audit event
written in the same transaction. Callers pass the version they read; a stale one is
refused, never silently overwritten."""

from __future__ import annotations

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
    TicketDraft,
    TicketEdit,
    TicketFilter,
    TicketNotFound,
    ticket_id_for,
    ticket_number,
)
from bot.tickets.rows import TicketList, TicketReader
from storage.db import UnitOfWork
from storage.models import TicketRow, utcnow
from storage.tickets import TicketFields, TicketQuery

# Priorities, the most urgent first: the order of TicketFilter.urgent_first.
URGENT_FIRST = tuple(p.value for p in sorted(Priority, key=lambda p: -p.rank))
# What a `created` event records, each field from nothing to its first value.
CREATED_FIELDS = ("source", "category", "priority", "status", "location", "bay", "assigned_to")


def _query(flt: TicketFilter) -> TicketQuery:
    return TicketQuery(
        statuses=[s.value for s in flt.statuses],
        locations=flt.locations,
        priorities=[p.value for p in flt.priorities],
        categories=[c.value for c in flt.categories],
        assigned=flt.assigned,
        assignee=flt.assignee,
        learnable=flt.learnable,
        text=flt.text,
        parent_number=ticket_number(flt.parent) if flt.parent else None,
        before_number=ticket_number(flt.before) if flt.before else None,
        limit=flt.limit,
        offset=flt.offset,
        priority_order=URGENT_FIRST if flt.urgent_first else (),
    )


def _new_ticket_fields(
    draft: TicketDraft, opened: Opening, number: int, now: datetime
) -> TicketFields:
    """An open ticket, its SLA deadlines set from its priority."""
    category, location = _required(draft)
    due = sla.deadlines(draft.priority, now)
    return TicketFields(
        number=number,
        ticket_id=ticket_id_for(number),
        created_by=opened.actor,
        submitted_by=draft.customer or opened.actor,
        source=opened.source.value,
        category=category.value,
        priority=draft.priority.value,
        status=Status.OPEN.value,
        title=draft.title,
        description=draft.description,
        location=location,
        bay=draft.bay,
        assigned_to=draft.assignee,
        learnable=draft.learnable,
        decided_by=draft.decided_by,
        created_at=now,
        updated_at=now,
        problem_key=draft.problem_key,
        response_due_at=due.response_due_at,
        resolution_due_at=due.resolution_due_at,
        first_response_at=now if opened.responded else None,
    )


def _required(draft: TicketDraft) -> tuple[Category, str]:
    """A prefill may leave the category and location open; a ticket cannot."""
    if draft.category is None:
        raise InvalidTicket("A ticket needs a category (facilities or tech).")
    if not draft.location:
        raise InvalidTicket("A ticket needs a location.")
    return draft.category, draft.location


@dataclass(frozen=True)
class Opening:
    """Who opens a ticket and how: an operator opening one is its first response; AI and
    system tickets wait for an operator's first action."""

    actor: str
    source: Source
    responded: bool = False


class TicketService(TicketReader):
    """Ticket use cases inside one unit of work (the caller's session and transaction)."""

    def __init__(self, session: UnitOfWork) -> None:
        super().__init__(session)
        self.writer = ChangeWriter(self.repo, session)

    async def list(self, flt: TicketFilter = TicketFilter(), *, threads: bool = True) -> TicketList:
        """The tickets `flt` matches; with `threads=False` their `linked_threads` are left
        empty, unread (for a caller comparing problems, not conversations: an open ticket
        may have hundreds of threads)."""
        return await self._tickets(_query(flt), threads=threads)

    async def count(self, flt: TicketFilter = TicketFilter(), at_most: int | None = None) -> int:
        """How many tickets match `flt`, its limit aside (counted, not loaded); no more
        than `at_most` when given."""
        return await self.repo.count(_query(flt), at_most)

    async def count_by_status(self, flt: TicketFilter = TicketFilter()) -> dict[Status, int]:
        """How many tickets match `flt` in each status (none: absent), counted in SQL."""
        counted = await self.repo.count_by_status(_query(flt))
        return {Status(status): n for status, n in counted.items()}

    # --- changing ------------------------------------------------------------------

    async def create(
        self, draft: TicketDraft, *, actor: str, source: Source, responded: bool = False
    ) -> Ticket:
        # Refused before numbering, so a refusal takes no ticket number.
        draft = replace(draft, title=clean_title(draft.title), bay=check_bay(draft.bay))
        opened = Opening(actor, source, responded)
        fields = _new_ticket_fields(draft, opened, await self.repo.next_number(), utcnow())
        row = self.repo.add(fields)
        await self.repo.flush()
        if draft.thread is not None:
            self.writer.link_thread(row, draft.thread, actor, fields.created_at)
        created = {name: [None, getattr(row, name)] for name in CREATED_FIELDS}
        self.writer.record(row, actor, "created", created)
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

    async def dismiss(
        self, ticket_id: str, why: str, *, actor: str, expected_version: int | None
    ) -> Ticket:
        """The operator says the ticket should never have been opened: archived at once with
        the reason, marked dismissed and learnable (it teaches triage "no ticket")."""
        if not why.strip():
            raise InvalidTicket("Say why it should not have been a ticket.")
        change = RowChange(await self._row_for_change(ticket_id, expected_version))
        change.dismiss(why.strip())
        return await self._commit_change(change, actor, "dismissed", note=why.strip())

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

    async def link_thread(
        self, ticket_id: str, thread: ThreadRef, *, actor: str, expected_version: int | None = None
    ) -> bool:
        """Link another conversation to the ticket; False (nothing done) when it already is.
        An event in its trail, not a change of its fields: version and `updated_at` stay,
        so no posted card goes stale (a card shows nothing of the threads) and twenty
        customers reporting an outage cost no 20² card updates. The row is held until
        commit: a change since `expected_version` is refused (StaleTicket)."""
        row = await self._row_for_change(ticket_id, expected_version, lock=True)
        if await self.repo.has_thread(row.number, str(thread)):
            return False
        self.writer.link_thread(row, thread, actor, utcnow())
        self.writer.record(row, actor, "thread_linked", {"linked_threads": [None, str(thread)]})
        await self.repo.flush()
        return True

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
