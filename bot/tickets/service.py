"""The ticket service: every change to a ticket goes through here, with its audit event
written in the same transaction. Callers pass the version they read; a stale one is
refused, never silently overwritten."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from bot.followup.sla import levels as sla
from bot.logs import correlation_id
from bot.tickets import status as machine
from bot.tickets.domain import (
    AuditEvent,
    Category,
    InvalidTicket,
    Priority,
    Source,
    StaleTicket,
    Status,
    ThreadRef,
    Ticket,
    TicketNotFound,
    ticket_id_for,
    ticket_number,
)
from storage.db import on_commit
from storage.models import TicketEventRow, TicketRow, TicketThreadRow, utcnow
from storage.tickets import TicketQuery, TicketRepository

log = logging.getLogger("clubos.tickets")

# Aliases: inside TicketService the name `list` is the method, not the builtin.
TicketList = list[Ticket]
AuditTrail = list[AuditEvent]
FieldChanges = dict[str, list[Any]]

TITLE_MAX = 200


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


@dataclass
class _Change:
    changes: dict[str, list[Any]] = field(default_factory=dict)

    def set(self, row: TicketRow, name: str, value: Any) -> None:
        before = getattr(row, name)
        if before != value:
            self.changes[name] = [before, value]
            setattr(row, name, value)


def _clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InvalidTicket("A ticket needs a title.")
    return cleaned[:TITLE_MAX]


def _check_bay(bay: int | None) -> int | None:
    if bay is not None and bay < 1:
        raise InvalidTicket(f"Bay {bay} is not a bay number (bays are numbered from 1).")
    return bay


def to_ticket(row: TicketRow, threads: Sequence[str]) -> Ticket:
    return Ticket(
        ticket_id=row.ticket_id,
        created_by=row.created_by,
        submitted_by=row.submitted_by,
        source=Source(row.source),
        category=Category(row.category),
        priority=Priority(row.priority),
        status=Status(row.status),
        title=row.title,
        description=row.description,
        location=row.location,
        timestamp=row.created_at,
        assigned_to=row.assigned_to,
        bay=row.bay,
        resolution_notes=row.resolution_notes,
        hold_reason=row.hold_reason,
        learnable=row.learnable,
        decided_by=row.decided_by,
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
        version=row.version,
        linked_threads=tuple(threads),
        problem_key=row.problem_key,
        parent_id=ticket_id_for(row.parent_number) if row.parent_number else None,
        response_due_at=row.response_due_at,
        resolution_due_at=row.resolution_due_at,
        first_response_at=row.first_response_at,
    )


def to_audit_event(ticket_id: str, row: TicketEventRow) -> AuditEvent:
    return AuditEvent(
        ticket_id=ticket_id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        changes=dict(row.changes),
        note=row.note,
        correlation_id=row.correlation_id,
    )


class TicketService:
    """Ticket use cases inside one unit of work (the caller's session and transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.repo = TicketRepository(session)
        self.session = session

    # --- reading -------------------------------------------------------------------

    async def get(self, ticket_id: str) -> Ticket:
        row = await self._row(ticket_id)
        threads = await self.repo.threads([row.number])
        return to_ticket(row, threads.get(row.number, []))

    async def list(self, flt: TicketFilter = TicketFilter()) -> TicketList:
        rows = await self.repo.list(
            TicketQuery(
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
        )
        return await self._with_threads(rows)

    async def for_thread(self, thread: ThreadRef) -> TicketList:
        numbers = await self.repo.numbers_for_thread(thread.channel, thread.thread_ts)
        if not numbers:
            return []
        return await self._with_threads(await self.repo.list(TicketQuery(numbers=numbers)))

    async def events(self, ticket_id: str) -> AuditTrail:
        row = await self._row(ticket_id)
        return [to_audit_event(row.ticket_id, e) for e in await self.repo.events(row.number)]

    # --- changing ------------------------------------------------------------------

    async def create(self, new: NewTicket) -> Ticket:
        title, bay = _clean_title(new.title), _check_bay(new.bay)  # refuse before numbering
        number = await self.repo.next_number()
        now = utcnow()
        due = sla.deadlines(new.priority, now)
        row = TicketRow(
            number=number,
            ticket_id=ticket_id_for(number),
            created_by=new.created_by,
            submitted_by=new.submitted_by,
            source=new.source.value,
            category=new.category.value,
            priority=new.priority.value,
            status=Status.OPEN.value,
            title=title,
            description=new.description,
            location=new.location,
            bay=bay,
            assigned_to=new.assigned_to,
            resolution_notes=None,
            hold_reason=None,
            learnable=new.learnable,
            decided_by=new.decided_by,
            created_at=now,
            updated_at=now,
            resolved_at=None,
            problem_key=new.problem_key,
            response_due_at=due.response_due_at,
            resolution_due_at=due.resolution_due_at,
            first_response_at=now if new.responded else None,
        )
        self.repo.add(row)
        await self.repo.flush()
        if new.thread is not None:
            self._add_thread(row, new.thread, new.created_by, now)
        snapshot = {
            k: getattr(row, k)
            for k in ("source", "category", "priority", "status", "location", "bay", "assigned_to")
        }
        self._audit(row, new.created_by, "created", {k: [None, v] for k, v in snapshot.items()})
        return await self._flushed(row)

    async def assign(
        self, ticket_id: str, assignee: str | None, *, actor: str, expected_version: int | None
    ) -> Ticket:
        row = await self._row_for_change(ticket_id, expected_version)
        if assignee is None:
            machine.check_unassign(Status(row.status))
        change = _Change()
        change.set(row, "assigned_to", assignee)
        return await self._commit_change(row, actor, "assigned", change)

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
        current = Status(row.status)
        machine.check_transition(
            current,
            target,
            assignee=assignee or row.assigned_to,
            hold_reason=hold_reason,
            resolution_notes=resolution_notes,
        )
        change = _Change()
        change.set(row, "status", target.value)
        if assignee is not None:
            change.set(row, "assigned_to", assignee)
        change.set(
            row,
            "hold_reason",
            hold_reason.strip() if target == Status.ON_HOLD and hold_reason else None,
        )
        if target == Status.RESOLVED:
            change.set(row, "resolution_notes", (resolution_notes or "").strip())
            change.set(row, "resolved_at", utcnow())
        elif target != Status.ARCHIVED:
            # Reopening: the old notes stay in the audit trail, not on the open ticket.
            change.set(row, "resolution_notes", None)
            change.set(row, "resolved_at", None)
        return await self._commit_change(row, actor, "status", change)

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
        change = _Change()
        change.set(row, "status", machine.UNARCHIVE_TARGET.value)
        return await self._commit_change(row, actor, "unarchived", change)

    async def add_note(
        self, ticket_id: str, text: str, *, actor: str, expected_version: int | None
    ) -> Ticket:
        if not text.strip():
            raise InvalidTicket("A note needs some text.")
        row = await self._row_for_change(ticket_id, expected_version)
        return await self._commit_change(row, actor, "note", _Change(), note=text.strip())

    async def set_learnable(
        self, ticket_id: str, learnable: bool, *, actor: str, expected_version: int | None
    ) -> Ticket:
        row = await self._row_for_change(ticket_id, expected_version)
        change = _Change()
        change.set(row, "learnable", learnable)
        return await self._commit_change(row, actor, "learnable", change)

    async def edit(
        self, ticket_id: str, edit: TicketEdit, *, actor: str, expected_version: int | None
    ) -> Ticket:
        row = await self._row_for_change(ticket_id, expected_version)
        change = _Change()
        if edit.title is not None:
            change.set(row, "title", _clean_title(edit.title))
        if edit.description is not None:
            change.set(row, "description", edit.description)
        if edit.category is not None:
            change.set(row, "category", edit.category.value)
        if edit.priority is not None and edit.priority.value != row.priority:
            change.set(row, "priority", edit.priority.value)
            # The deadlines follow the priority; the audit records the priority change.
            due = sla.deadlines(edit.priority, row.created_at)
            row.response_due_at = due.response_due_at
            row.resolution_due_at = due.resolution_due_at
        if edit.location is not None:
            change.set(row, "location", edit.location)
        if edit.clear_bay:
            change.set(row, "bay", None)
        elif edit.bay is not None:
            change.set(row, "bay", _check_bay(edit.bay))
        return await self._commit_change(row, actor, "edited", change)

    async def link_thread(self, ticket_id: str, thread: ThreadRef, *, actor: str) -> Ticket:
        """Link another conversation to the ticket; linking the same thread twice is a no-op."""
        row = await self._row_for_change(ticket_id, None)
        if await self.repo.has_thread(row.number, str(thread)):
            return await self.get(ticket_id)
        now = utcnow()
        self._add_thread(row, thread, actor, now)
        row.updated_at = now
        self._audit(row, actor, "thread_linked", {"linked_threads": [None, str(thread)]})
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
        self._audit(row, actor, "parent_linked", {"parent_id": [before, after]})
        return await self._flushed(row)

    # --- internals -----------------------------------------------------------------

    async def _row(self, ticket_id: str) -> TicketRow:
        row = await self.repo.get(ticket_number(ticket_id))
        if row is None:
            raise TicketNotFound(ticket_id)
        return row

    async def _row_for_change(
        self, ticket_id: str, expected_version: int | None, *, allow_archived: bool = False
    ) -> TicketRow:
        row = await self._row(ticket_id)
        if expected_version is not None and row.version != expected_version:
            raise StaleTicket(row.ticket_id, expected_version, row.version)
        if not allow_archived:
            machine.check_editable(Status(row.status))
        return row

    def _add_thread(self, row: TicketRow, thread: ThreadRef, actor: str, at: datetime) -> None:
        self.repo.add_thread(
            TicketThreadRow(
                ticket_number=row.number,
                ref=str(thread),
                channel=thread.channel,
                thread_ts=thread.thread_ts,
                linked_at=at,
                linked_by=actor,
            )
        )

    def _audit(
        self,
        row: TicketRow,
        actor: str,
        action: str,
        changes: FieldChanges,
        note: str | None = None,
    ) -> None:
        cid = correlation_id.get()
        self.repo.add_event(
            TicketEventRow(
                ticket_number=row.number,
                at=utcnow(),
                actor=actor,
                action=action,
                changes=_jsonable(changes),
                note=note,
                correlation_id=cid,
            )
        )
        fields = sorted(changes)
        ticket_id = row.ticket_id
        on_commit(
            self.session,
            lambda: log.info(
                "ticket.%s",
                action,
                extra={
                    "ticket_id": ticket_id,
                    "actor": actor,
                    "fields": fields,
                    "correlation_id": cid,
                },
            ),
        )

    async def _commit_change(
        self, row: TicketRow, actor: str, action: str, change: _Change, note: str | None = None
    ) -> Ticket:
        if not change.changes and note is None:
            return await self.get(row.ticket_id)
        row.updated_at = utcnow()
        if row.first_response_at is None and actor != row.created_by:
            # The first action by someone other than the AI or system that opened it.
            row.first_response_at = row.updated_at
        self._audit(row, actor, action, change.changes, note)
        return await self._flushed(row)

    async def _flushed(self, row: TicketRow) -> Ticket:
        expected = row.version
        ticket_id = row.ticket_id  # a failed flush expires `row`; reading it then fails
        try:
            await self.repo.flush()
        except StaleDataError as exc:
            raise StaleTicket(ticket_id, expected, expected + 1) from exc
        return await self.get(row.ticket_id)

    async def _with_threads(self, rows: Sequence[TicketRow]) -> TicketList:
        threads = await self.repo.threads([r.number for r in rows])
        return [to_ticket(r, threads.get(r.number, [])) for r in rows]


def _jsonable(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {
        key: [v.isoformat() if isinstance(v, datetime) else v for v in pair]
        for key, pair in changes.items()
    }
