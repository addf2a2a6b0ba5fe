"""Shortcuts: `create_ticket` on a message, `new_ticket` from anywhere. Both open the
ticket modal at once (ack, then views.open inside the trigger's 3 seconds)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.club import ClubConfig
from bot.intake.suggest import suggest_from_message
from bot.tickets.domain import TicketDraft
from bot.tickets.permissions import NotAllowed
from bot.tickets.usecases import Operations
from handlers.replies import tell
from slackui.views.modals import create_ticket_modal, notice_modal


async def create_from_message(
    ack: AsyncAck,
    body: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    club: ClubConfig,
    operations: Operations,
) -> None:
    await ack()
    if not await operations.permissions.is_operator(body["user"]["id"]):
        await tell(client, body, NotAllowed().message, respond)
        return
    # The modal filled in from the message, as triage's rules read it.
    prefill = suggest_from_message(club, body["channel"]["id"], body["message"])
    view = create_ticket_modal(club, prefill)
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def create_standalone(
    ack: AsyncAck,
    body: dict[str, Any],
    client: AsyncWebClient,
    club: ClubConfig,
    operations: Operations,
) -> None:
    await ack()
    view = await new_ticket_modal(club, operations, body["user"]["id"])
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def new_ticket_modal(club: ClubConfig, operations: Operations, user_id: str) -> View:
    """The empty create modal for an operator; for anyone else, a modal saying why not
    (where there is no channel to answer in)."""
    if not await operations.permissions.is_operator(user_id):
        return notice_modal(NotAllowed().message)
    return create_ticket_modal(club, TicketDraft())
