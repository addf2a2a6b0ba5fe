"""The ticket service's bookkeeping of a change: which fields it sets on the ticket row,
recorded as `field: [before, after]`, and what is written with it in the change's own
transaction (the audit event, linked threads; the log line once it commits)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.followup.sla import levels as sla
from bot.logs import correlation_id
from bot.tickets.domain import InvalidTicket, Priority, StaleTicket, Status, ThreadRef
from storage.db import UnitOfWork, on_commit
from storage.models import TicketRow, utcnow
from storage.tickets import EventFields, ThreadFields, TicketRepository, VersionConflict

log = logging.getLogger("clubos.tickets")

FieldChanges = dict[str, list[Any]]

TITLE_MAX = 200


def clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InvalidTicket("A ticket needs a title.")
    return cleaned[:TITLE_MAX]


def check_bay(bay: int | None) -> int | None:
    if bay is not None and bay < 1:
        raise InvalidTicket(f"Bay {bay} is not a bay number (bays are numbered from 1).")
    return bay


@dataclass
class RowChange:
    """The fields one change sets on a ticket row; only those that really change are set
    and recorded."""

    row: TicketRow
    changes: FieldChanges = field(default_factory=dict)

    def set(self, name: str, value: Any) -> None:
        before = getattr(self.row, name)
        if before != value:
            self.changes[name] = [before, value]
            setattr(self.row, name, value)

    def move(
        self,
        target: Status,
        *,
        hold_reason: str | None,
        resolution_notes: str | None,
        assignee: str | None,
    ) -> None:
        """The fields of a move to `target` the status machine has allowed."""
        self.set("status", target.value)
        if assignee is not None:
            self.set("assigned_to", assignee)
        self.set(
            "hold_reason",
            hold_reason.strip() if target == Status.ON_HOLD and hold_reason else None,
        )
        if target == Status.RESOLVED:
            self.set("resolution_notes", (resolution_notes or "").strip())
            self.set("resolved_at", utcnow())
        elif target != Status.ARCHIVED:
            # Reopening: the old notes stay in the audit trail, not on the open ticket.
            self.set("resolution_notes", None)
            self.set("resolved_at", None)

    def dismiss(self, why: str) -> None:
        """Archived from any open or resolved status, bypassing the machine's path through
        resolved: the reason stands as its resolution notes, as every archived ticket has."""
        self.set("status", Status.ARCHIVED.value)
        self.set("hold_reason", None)
        self.set("resolution_notes", f"Dismissed: {why}")
        if self.row.resolved_at is None:
            self.set("resolved_at", utcnow())
        self.set("dismissed", True)
        self.set("learnable", True)

    def reprioritise(self, priority: Priority) -> None:
        if priority.value == self.row.priority:
            return
        self.set("priority", priority.value)
        # The deadlines follow the priority; the audit records the priority change.
        due = sla.deadlines(priority, self.row.created_at)
        self.row.response_due_at = due.response_due_at
        self.row.resolution_due_at = due.resolution_due_at

    def stamp(self, actor: str) -> None:
        """The change's time on the row; the first action by someone other than the AI or
        system that opened the ticket is also its first response."""
        self.row.updated_at = utcnow()
        if self.row.first_response_at is None and actor != self.row.created_by:
            self.row.first_response_at = self.row.updated_at


class ChangeWriter:
    """Writes changed ticket rows with their audit events into the unit of work; a change's
    log line follows once the unit of work commits."""

    def __init__(self, repo: TicketRepository, session: UnitOfWork) -> None:
        self.repo = repo
        self.session = session

    def record(
        self,
        row: TicketRow,
        actor: str,
        action: str,
        changes: FieldChanges,
        note: str | None = None,
    ) -> None:
        """The audit event of a change to `row`."""
        cid = correlation_id.get()
        self.repo.add_event(
            EventFields(
                ticket_number=row.number,
                at=utcnow(),
                actor=actor,
                action=action,
                changes=_jsonable(changes),
                note=note,
                correlation_id=cid,
            )
        )
        extra = {
            "ticket_id": row.ticket_id,
            "actor": actor,
            "fields": sorted(changes),
            "correlation_id": cid,
        }
        on_commit(self.session, lambda: log.info("ticket.%s", action, extra=extra))

    def link_thread(self, row: TicketRow, thread: ThreadRef, actor: str, at: datetime) -> None:
        self.repo.add_thread(
            ThreadFields(
                ticket_number=row.number,
                ref=str(thread),
                channel=thread.channel,
                thread_ts=thread.thread_ts,
                linked_at=at,
                linked_by=actor,
            )
        )

    async def save(self, row: TicketRow) -> None:
        """Write `row`'s changes now; StaleTicket when someone else changed it since it was
        read (the version check of the UPDATE), and then nothing of it is written."""
        expected = row.version
        ticket_id = row.ticket_id  # a failed flush expires `row`; reading it then fails
        try:
            await self.repo.flush()
        except VersionConflict as exc:
            raise StaleTicket(ticket_id, expected, expected + 1) from exc


def _jsonable(changes: FieldChanges) -> FieldChanges:
    return {
        key: [v.isoformat() if isinstance(v, datetime) else v for v in pair]
        for key, pair in changes.items()
    }
