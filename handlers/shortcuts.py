"""Shortcuts: `create_ticket` on a message, `new_ticket` from anywhere. Both open the
ticket modal at once (ack, then views.open inside the trigger's 3 seconds)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.club import ClubConfig
from bot.intake.suggest import suggest_from_message
from bot.tickets.permissions import NotAllowed
from bot.tickets.usecases import Operations
from handlers.replies import tell
from slackui.ids import Shortcut
from slackui.views.modals import CreatePrefill, create_ticket_modal, notice_modal


def register(app: AsyncApp, club: ClubConfig, operations: Operations) -> None:
    @app.shortcut(Shortcut.CREATE_TICKET.value)
    async def create_from_message(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        user_id = body["user"]["id"]
        if not await operations.permissions.is_operator(user_id):
            await tell(client, body, NotAllowed().message, respond)
            return
        channel = body["channel"]["id"]
        suggestion = suggest_from_message(club, channel, body["message"])
        prefill = CreatePrefill(
            title=suggestion.title,
            description=suggestion.description,
            category=suggestion.category,
            priority=suggestion.priority,
            location=suggestion.location,
            bay=suggestion.bay,
            customer=suggestion.customer,
            channel=suggestion.thread.channel if suggestion.thread else None,
            thread_ts=suggestion.thread.thread_ts if suggestion.thread else None,
            suggested_by=suggestion.decided_by,
        )
        await client.views_open(
            trigger_id=body["trigger_id"], view=create_ticket_modal(club, prefill)
        )

    @app.shortcut(Shortcut.NEW_TICKET.value)
    async def create_standalone(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        if not await operations.permissions.is_operator(body["user"]["id"]):
            await client.views_open(
                trigger_id=body["trigger_id"], view=notice_modal(NotAllowed().message)
            )
            return
        await client.views_open(
            trigger_id=body["trigger_id"], view=create_ticket_modal(club, CreatePrefill())
        )
