"""`/ticket`: ack at once, parse the text (`parser`), one Operations call, answer privately
through the command's response_url. Changes reach the ticket's threads and cards through
the outbox like any other change; reading is open to anyone, changes are for operators
(Operations checks; `new` and `web` check here too, for a plain answer: `new` only opens
the modal, whose submission Operations checks; `web`'s one-time dashboard link is refused
to a non-operator by the sign-in links themselves, as the dashboard changes tickets too)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.access.links import SignInLinks
from bot.club import ClubConfig
from bot.tickets.domain import Status, TicketDraft, TicketError
from bot.tickets.permissions import NotAllowed
from bot.tickets.status import label
from bot.tickets.usecases import Operations
from handlers.commands import parsed
from handlers.commands.parser import parse_command
from slackui.views.command import (
    LIST_SHOWN,
    Answer,
    change_done,
    help_answer,
    notice,
    sign_in_link,
    ticket_detail,
    ticket_list,
)
from slackui.views.modals import create_ticket_modal

NO_SIGN_IN = (
    "Dashboard sign-in is not set up here: there is no secret to sign links with "
    "(DASHBOARD_SECRET or SLACK_SIGNING_SECRET). Meanwhile: `/ticket list` and "
    "`/ticket show T-<number>`."
)

Change = (
    parsed.AssignTicket
    | parsed.SetStatus
    | parsed.AddNote
    | parsed.ResolveTicket
    | parsed.DismissTicket
)


async def ticket_command(
    ack: AsyncAck,
    body: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    club: ClubConfig,
    operations: Operations,
    sign_in: SignInLinks | None,
    dashboard_url: str,
) -> None:
    await ack()
    actor = str(body.get("user_id") or "")
    command = parse_command(
        str(body.get("text") or ""),
        caller=actor,
        locations=[location.name for location in club.locations],
    )
    answer: Answer | None
    try:
        if isinstance(command, parsed.WebLogin):
            answer = await _sign_in_link(actor, operations, sign_in, dashboard_url)
        else:
            answer = await _answer(command, body, client, club, operations)
    except TicketError as exc:
        answer = notice(exc.message)
    if answer is not None:
        await respond(text=answer.text, blocks=answer.blocks, response_type="ephemeral")


async def _answer(
    command: parsed.ReadOrChange,
    body: dict[str, Any],
    client: AsyncWebClient,
    club: ClubConfig,
    operations: Operations,
) -> Answer | None:
    """Carry out one command; None when the answer is a modal instead."""
    actor = str(body.get("user_id") or "")
    match command:
        case parsed.ListTickets():
            shown = await operations.list(command.ticket_filter(limit=LIST_SHOWN))
            matching = await operations.count(command.ticket_filter())
            return ticket_list(shown, command.describe(), matching=matching)
        case parsed.ShowTicket(ticket_id=ticket_id):
            history = await operations.history(ticket_id)
            team_domain = str(body.get("team_domain") or "") or None
            now = datetime.now(UTC)
            return ticket_detail(history.ticket, history.events, now, team_domain=team_domain)
        case parsed.CreateTicket(title=title):
            if not await operations.permissions.is_operator(actor):
                return notice(NotAllowed().message)
            location = club.location_for_channel(str(body.get("channel_id") or ""))
            prefill = TicketDraft(title=title, location=location.name if location else None)
            view = create_ticket_modal(club, prefill)
            await client.views_open(trigger_id=body["trigger_id"], view=view)
            return None
        case parsed.Help(problem=problem):
            return help_answer(problem)
    return await _change(command, actor, operations)


async def _sign_in_link(
    actor: str, operations: Operations, sign_in: SignInLinks | None, dashboard_url: str
) -> Answer:
    """A link for operators only: it opens a session that can change tickets."""
    if not await operations.permissions.is_operator(actor):
        return notice(NotAllowed().message)
    if sign_in is None:
        return notice(NO_SIGN_IN)
    return sign_in_link(f"{dashboard_url}/login/{await sign_in.issue(actor)}")


async def _change(command: Change, actor: str, operations: Operations) -> Answer:
    match command:
        case parsed.AssignTicket(ticket_id=ticket_id, assignee=assignee):
            ticket = await operations.assign(actor, ticket_id, assignee)
            return change_done(ticket, "Assigned" if assignee else "Unassigned")
        case parsed.SetStatus(ticket_id=ticket_id, status=status, text=text):
            ticket = await operations.change_status(
                actor,
                ticket_id,
                status,
                hold_reason=text if status == Status.ON_HOLD else None,
                resolution_notes=text if status == Status.RESOLVED else None,
            )
            return change_done(ticket, f"Set to {label(status)}")
        case parsed.AddNote(ticket_id=ticket_id, text=text):
            return change_done(await operations.add_note(actor, ticket_id, text), "Note added")
        case parsed.ResolveTicket(ticket_id=ticket_id, notes=notes):
            return change_done(await operations.resolve(actor, ticket_id, notes), "Resolved")
        case parsed.DismissTicket(ticket_id=ticket_id, why=why):
            ticket = await operations.dismiss(actor, ticket_id, why)
            return change_done(ticket, "Dismissed (archived; triage learns it was not a ticket)")
