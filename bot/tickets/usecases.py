"""Operator use cases, one unit of work each: check the operator, change the ticket
through the ticket service, queue the Slack notices, commit. Every Slack surface (card,
modal, /ticket, reaction, App Home) and the dashboard go through here; the reading ones
come from ReadOperations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from bot.club import ClubConfig
from bot.tickets import status as machine
from bot.tickets.domain import (
    InvalidTicket,
    Source,
    StaleTicket,
    Status,
    Ticket,
    TicketDraft,
    TicketEdit,
)
from bot.tickets.notices import Notifier
from bot.tickets.permissions import Permissions
from bot.tickets.reads import ReadOperations
from bot.tickets.service import TicketService
from storage.db import Database


@dataclass(frozen=True)
class Created:
    ticket: Ticket
    linked_to_existing: bool = False


class Operations(ReadOperations):
    def __init__(
        self,
        database: Database,
        club: ClubConfig,
        permissions: Permissions,
        wake_sender: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(database)
        self.club = club
        self.permissions = permissions
        self.wake_sender = wake_sender

    @asynccontextmanager
    async def _work(self) -> AsyncIterator[tuple[TicketService, Notifier]]:
        async with self.database.unit_of_work() as session:
            yield TicketService(session), Notifier(session, self.routed_channel, self.wake_sender)

    def routed_channel(self, ticket: Ticket) -> str | None:
        return self.club.routing.channel_for(ticket.category)

    def validate_draft(self, draft: TicketDraft) -> dict[str, str]:
        """Field errors an operator can fix, keyed by field name (empty when valid)."""
        errors: dict[str, str] = {}
        if not draft.title.strip():
            errors["title"] = "Give the ticket a short title."
        if draft.category is None:
            errors["category"] = "Pick facilities or tech."
        location = self.club.location(draft.location or "")
        if location is None:
            errors["location"] = f"Unknown location {draft.location!r}."
        elif draft.bay is not None and not 1 <= draft.bay <= location.bays:
            errors["bay"] = f"{location.name} has bays 1 to {location.bays}."
        return errors

    async def check_change(
        self,
        actor: str,
        ticket_id: str,
        expected_version: int | None = None,
        status: Status | None = None,
    ) -> Ticket:
        """Refuse now what the change itself would refuse later, before an operator is asked
        for a note, a hold reason or resolution notes: not an operator, a stale view of the
        ticket, an archived ticket, a status move the machine forbids. Changes nothing."""
        await self.permissions.require_operator(actor)
        ticket = await self.get(ticket_id)
        if expected_version is not None and ticket.version != expected_version:
            raise StaleTicket(ticket.ticket_id, expected_version, ticket.version)
        machine.check_editable(ticket.status)
        if status is not None:
            machine.check_transition(
                ticket.status,
                status,
                assignee=ticket.assigned_to or actor,  # as change_status would assign
                hold_reason="(asked next)",
                resolution_notes="(asked next)",
            )
        return ticket

    # --- changing (operators only) --------------------------------------------------

    async def create(self, actor: str, draft: TicketDraft) -> Ticket:
        """A ticket made by an operator (modal, reaction); the draft's `decided_by` names a
        triage backend that filled the fields for a reaction, else the operator chose them."""
        await self.permissions.require_operator(actor)
        errors = self.validate_draft(draft)
        if errors:
            raise InvalidTicket(" ".join(errors.values()))
        location = self.club.location(draft.location or "")
        assert location is not None
        draft = replace(draft, location=location.name, decided_by=draft.decided_by or actor)
        source = Source.MESSAGE_THREAD if draft.thread else Source.MANUAL
        async with self._work() as (tickets, notify):
            ticket = await tickets.create(draft, actor=actor, source=source, responded=True)
            notify.created(ticket)
            return ticket

    async def assign(
        self, actor: str, ticket_id: str, assignee: str | None, expected_version: int | None = None
    ) -> Ticket:
        await self.permissions.require_operator(actor)
        async with self._work() as (tickets, notify):
            ticket = await tickets.assign(
                ticket_id, assignee, actor=actor, expected_version=expected_version
            )
            notify.changed(ticket, actor, "assigned", assignee or "")
            return ticket

    async def change_status(
        self,
        actor: str,
        ticket_id: str,
        status: Status,
        *,
        expected_version: int | None = None,
        hold_reason: str | None = None,
        resolution_notes: str | None = None,
    ) -> Ticket:
        await self.permissions.require_operator(actor)
        async with self._work() as (tickets, notify):
            before = await tickets.get(ticket_id)
            # Starting work on an unassigned ticket assigns it to whoever starts it.
            assignee = actor if status == Status.IN_PROGRESS and not before.assigned_to else None
            ticket = await tickets.change_status(
                ticket_id,
                status,
                actor=actor,
                expected_version=expected_version,
                hold_reason=hold_reason,
                resolution_notes=resolution_notes,
                assignee=assignee,
            )
            detail = resolution_notes or hold_reason or ""
            notify.changed(ticket, actor, f"status:{status.value}", detail)
            return ticket

    async def resolve(
        self, actor: str, ticket_id: str, notes: str, expected_version: int | None = None
    ) -> Ticket:
        return await self.change_status(
            actor,
            ticket_id,
            Status.RESOLVED,
            expected_version=expected_version,
            resolution_notes=notes,
        )

    async def unarchive(self, actor: str, ticket_id: str) -> Ticket:
        await self.permissions.require_operator(actor)
        async with self._work() as (tickets, notify):
            ticket = await tickets.unarchive(ticket_id, actor=actor, expected_version=None)
            notify.changed(ticket, actor, "unarchived")
            return ticket

    async def add_note(
        self, actor: str, ticket_id: str, text: str, expected_version: int | None = None
    ) -> Ticket:
        await self.permissions.require_operator(actor)
        async with self._work() as (tickets, notify):
            ticket = await tickets.add_note(
                ticket_id, text, actor=actor, expected_version=expected_version
            )
            notify.changed(ticket, actor, "note", text)
            return ticket

    async def set_learnable(
        self, actor: str, ticket_id: str, learnable: bool, expected_version: int | None = None
    ) -> Ticket:
        await self.permissions.require_operator(actor)
        async with self._work() as (tickets, notify):
            ticket = await tickets.set_learnable(
                ticket_id, learnable, actor=actor, expected_version=expected_version
            )
            notify.changed(ticket, actor, "learnable", "yes" if learnable else "no")
            return ticket

    async def dismiss(
        self, actor: str, ticket_id: str, why: str, expected_version: int | None = None
    ) -> Ticket:
        """Not a ticket, says an operator: archived, and taught to triage (see the service)."""
        await self.permissions.require_operator(actor)
        async with self._work() as (tickets, notify):
            ticket = await tickets.dismiss(
                ticket_id, why, actor=actor, expected_version=expected_version
            )
            notify.changed(ticket, actor, "dismissed", why)
            return ticket

    async def edit(
        self, actor: str, ticket_id: str, edit: TicketEdit, expected_version: int | None = None
    ) -> Ticket:
        await self.permissions.require_operator(actor)
        async with self._work() as (tickets, notify):
            ticket = await tickets.edit(
                ticket_id, edit, actor=actor, expected_version=expected_version
            )
            notify.changed(ticket, actor, "edited")
            return ticket

    async def dismiss_close(self, actor: str, ticket_id: str) -> Ticket:
        """The operator says the problem is not gone: noted, the ticket stays as it is."""
        return await self.add_note(actor, ticket_id, "Closure suggestion dismissed: not fixed yet.")

    async def suggest_close(self, ticket_id: str, reason: str, source: str) -> Ticket:
        """The system thinks the problem is gone (e.g. a device back online): operators are
        asked, with buttons, under the ticket; the ticket itself does not change. Called by
        the system, so no permission check."""
        async with self._work() as (tickets, notify):
            ticket = await tickets.get(ticket_id)
            notify.suggest_close(ticket, reason, source)
            return ticket

    async def refresh_cards(self, actor: str, ticket_id: str) -> Ticket:
        """Re-render every posted copy of the card from the ticket as it is now (no change,
        no thread reply): for an operator who acted on an out-of-date card. It queues Slack
        calls, so it is for operators too."""
        await self.permissions.require_operator(actor)
        async with self._work() as (tickets, notify):
            ticket = await tickets.get(ticket_id)
            notify.refresh_cards(ticket)
            return ticket
