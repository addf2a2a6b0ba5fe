"""The events service: one unit of work per system event from monitoring
(POST /api/system-events) — store it, read the history around it, decide by the rules,
and carry the plan out (open a ticket or add a note or suggest closure, and queue the
notices).

Each event is stored in the inbox (key `sysevent:<id>`) in the same unit of work as its
effects, so a repeated id changes nothing and answers what was decided the first time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.club import ClubConfig
from bot.followup.recurrence import check_recurrence
from bot.monitoring.history import Case, group_key, read_history
from bot.monitoring.parsing import Reading, SystemEvent, parse_event, read_event
from bot.monitoring.rules import (
    AddNote,
    Decision,
    NoTicket,
    OpenTicket,
    Plan,
    SuggestClose,
    decide,
)
from bot.tickets.domain import Priority, Source, Ticket, TicketDraft, TicketEdit
from bot.tickets.notices import Notifier
from bot.tickets.service import TicketService
from storage.db import Database, UnitOfWork
from storage.inbox import InboxRepository
from storage.models import InboxEventRow, utcnow
from storage.system_events import SYSTEM_EVENT_KIND, SystemEventRepository

log = logging.getLogger("clubos.system_events")

ACTOR = "monitoring"  # created_by of event tickets, actor of their notes
DECIDED_BY = "rules"
INBOX_PREFIX = "sysevent:"
SUBMITTED_BY_MAX = 128  # tickets.submitted_by


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
    covers: tuple[str, ...] = ()  # the event groups put under the ticket (see OpenTicket)

    def result(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "ticket_id": self.ticket_id,
            "note": self.note,
            "covers": list(self.covers),
        }


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
            decided = await self._decide(session, event, reading)
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

    async def _decide(
        self, session: UnitOfWork, event: SystemEvent, reading: Reading | None
    ) -> _Decided:
        if reading is None:
            note = f"unknown event {event.event!r}: stored, no ticket"
            return _Decided(Decision.UNKNOWN_EVENT, None, note)
        case = Case(event, reading)
        tickets = TicketService(session)
        history = await read_history(SystemEventRepository(session), tickets, case)
        sop = self.club.sop_for(reading.device.value) if reading.device is not None else None
        actions = _Actions(self, tickets, Notifier(session, self.routed_channel, self.wake_sender))
        return await actions.carry_out(case, decide(case, history, sop))


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


class _Actions:
    """A plan carried out inside its event's unit of work."""

    def __init__(self, service: SystemEvents, tickets: TicketService, notify: Notifier) -> None:
        self.club = service.club
        self.now = service.clock()
        self.tickets = tickets
        self.notify = notify

    async def carry_out(self, case: Case, plan: Plan) -> _Decided:
        match plan:
            case NoTicket(decision, note):
                return _Decided(decision, None, note)
            case OpenTicket():
                return await self.open(case, plan)
            case AddNote():
                return await self.note(plan)
            case SuggestClose(ticket, reason, text):
                self.notify.suggest_close(ticket, text, ACTOR)
                note = f"suggested closing {ticket.ticket_id}: {reason}"
                return _Decided(Decision.CLOSE_SUGGESTED, ticket.ticket_id, note)

    async def open(self, case: Case, plan: OpenTicket) -> _Decided:
        ticket = await self.tickets.create(
            TicketDraft(
                title=plan.title,
                category=plan.category,
                priority=plan.priority,
                location=case.location,
                bay=plan.bay,
                description=plan.description,
                customer=(case.event.source or ACTOR)[:SUBMITTED_BY_MAX],
                decided_by=DECIDED_BY,
                problem_key=plan.problem_key,
            ),
            actor=ACTOR,
            source=Source.SYSTEM_EVENT,
        )
        self.notify.created(ticket)
        if ticket.priority is Priority.CRITICAL:
            self.alert_ops(ticket, case.location)
        await check_recurrence(self.tickets, self.notify, ticket, self.now, actor=ACTOR)
        note = f"opened {ticket.ticket_id}: {plan.title}"
        return _Decided(Decision.TICKET_OPENED, ticket.ticket_id, note, plan.covers)

    def alert_ops(self, ticket: Ticket, location: str) -> None:
        routed = self.notify.routed_channel(ticket)
        card = f"; its card is in <#{routed}>" if routed else ""
        self.notify.post_text(
            self.club.slack.ops_channel,
            f":rotating_light: Critical: {ticket.ticket_id} {ticket.title} — opened from "
            f"monitoring events at {location}{card}.",
        )

    async def note(self, plan: AddNote) -> _Decided:
        ticket_id = plan.ticket.ticket_id
        if plan.retitle is not None:
            await self.tickets.edit(
                ticket_id, TicketEdit(title=plan.retitle), actor=ACTOR, expected_version=None
            )
        noted = await self.tickets.add_note(
            ticket_id, plan.text, actor=ACTOR, expected_version=None
        )
        self.notify.changed(noted, ACTOR, "note", plan.text)
        note = f"added to {noted.ticket_id}: {plan.text}"
        return _Decided(Decision.NOTED, noted.ticket_id, note, plan.covers)
