"""`/ticket`: ack at once, parse the text (handlers.command_parser), one Operations call, answer
privately through the command's response_url. Changes reach the ticket's threads and
cards through the outbox like any other change; reading is open to anyone, changes are
for operators (Operations checks; `new` and `web` check here, as they open no change)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.club import ClubConfig
from bot.tickets.domain import Status, TicketError
from bot.tickets.permissions import NotAllowed
from bot.tickets.status import label
from bot.tickets.usecases import Operations
from handlers.command_parser import (
    AddNote,
    AssignTicket,
    Command,
    CreateTicket,
    Help,
    ListTickets,
    ResolveTicket,
    SetStatus,
    ShowTicket,
    WebLogin,
    parse_command,
)
from slackui import ids
from slackui.views.command import (
    Answer,
    change_done,
    help_answer,
    notice,
    ticket_detail,
    ticket_list,
)
from slackui.views.modals import CreatePrefill, create_ticket_modal

LIST_SCAN = 500  # tickets read for one list: 20 are shown, the rest only counted
NO_DASHBOARD = (
    "The web dashboard is not available yet, so there is no sign-in link to send. "
    "Meanwhile: `/ticket list` and `/ticket show T-<number>`."
)


def register(app: AsyncApp, club: ClubConfig, operations: Operations) -> None:
    location_names = [location.name for location in club.locations]

    async def answer_for(
        command: Command, body: dict[str, Any], client: AsyncWebClient
    ) -> Answer | None:
        """Carry out one command; None when the answer is a modal instead."""
        actor = str(body.get("user_id") or "")
        match command:
            case ListTickets():
                found = await operations.list(command.ticket_filter(limit=LIST_SCAN))
                return ticket_list(found, command.describe(), more_than=len(found) >= LIST_SCAN)
            case ShowTicket(ticket_id=ticket_id):
                history = await operations.history(ticket_id)
                return ticket_detail(
                    history.ticket,
                    history.events,
                    datetime.now(UTC),
                    team_domain=str(body.get("team_domain") or "") or None,
                )
            case CreateTicket(title=title):
                if not await operations.permissions.is_operator(actor):
                    return notice(NotAllowed().message)
                location = club.location_for_channel(str(body.get("channel_id") or ""))
                prefill = CreatePrefill(title=title, location=location.name if location else None)
                await client.views_open(
                    trigger_id=body["trigger_id"], view=create_ticket_modal(club, prefill)
                )
                return None
            case AssignTicket(ticket_id=ticket_id, assignee=assignee):
                ticket = await operations.assign(actor, ticket_id, assignee)
                return change_done(ticket, "Assigned" if assignee else "Unassigned")
            case SetStatus(ticket_id=ticket_id, status=status, text=text):
                ticket = await operations.change_status(
                    actor,
                    ticket_id,
                    status,
                    hold_reason=text if status == Status.ON_HOLD else None,
                    resolution_notes=text if status == Status.RESOLVED else None,
                )
                return change_done(ticket, f"Set to {label(status)}")
            case AddNote(ticket_id=ticket_id, text=text):
                return change_done(await operations.add_note(actor, ticket_id, text), "Note added")
            case ResolveTicket(ticket_id=ticket_id, notes=notes):
                return change_done(await operations.resolve(actor, ticket_id, notes), "Resolved")
            case WebLogin():
                if not await operations.permissions.is_operator(actor):
                    return notice(NotAllowed().message)
                return notice(NO_DASHBOARD)
            case Help(problem=problem):
                return help_answer(problem)

    @app.command(ids.Command.TICKET.value)
    async def ticket_command(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        command = parse_command(
            str(body.get("text") or ""),
            caller=str(body.get("user_id") or ""),
            locations=location_names,
        )
        try:
            answer = await answer_for(command, body, client)
        except TicketError as exc:
            answer = notice(exc.message)
        if answer is not None:
            await respond(text=answer.text, blocks=answer.blocks, response_type="ephemeral")
