"""A ticket from a message in one tap (the :ticket: reaction): triage fills the fields,
the card says so; one message gives at most one ticket, however often it is reacted to
or the event is redelivered."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot.intake.suggest import suggest_from_message
from bot.tickets.domain import Category, Source, Ticket
from bot.tickets.notices import Notifier
from bot.tickets.service import TicketService
from bot.tickets.usecases import Operations
from storage.inbox import DONE, InboxRepository


@dataclass(frozen=True)
class QuickTicketResult:
    ticket: Ticket | None  # None: this message already made a ticket


async def ticket_from_message(
    operations: Operations, actor: str, channel: str, message: dict[str, Any]
) -> QuickTicketResult:
    await operations.permissions.require_operator(actor)
    club = operations.club
    suggestion = suggest_from_message(club, channel, message)
    location = club.location(suggestion.location or "") or club.location_for_channel(channel)
    if location is None:
        location = club.locations[0]
    bay = suggestion.bay if suggestion.bay and suggestion.bay <= location.bays else None
    async with operations.database.unit_of_work() as session:
        key = f"quick-ticket:{channel}:{message['ts']}"
        if not await InboxRepository(session).record(
            key, "quick_ticket", {"actor": actor}, status=DONE
        ):
            return QuickTicketResult(None)
        ticket = await TicketService(session).create(
            replace(
                suggestion,
                title=suggestion.title or "Ticket from Slack message",
                # A tap asks for a ticket even where triage saw none; facilities is the
                # broader category, and the card invites a correction.
                category=suggestion.category or Category.FACILITIES,
                location=location.name,
                bay=bay,
            ),
            actor=actor,
            source=Source.MESSAGE_THREAD,
            responded=True,
        )
        Notifier(session, operations.routed_channel, operations.wake_sender).created(ticket)
        return QuickTicketResult(ticket)
