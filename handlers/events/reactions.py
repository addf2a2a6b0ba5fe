"""Reaction `:ticket:` by an operator on a message: a ticket from it, without a modal."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.intake.quick_tickets import ticket_from_message
from bot.tickets.permissions import NotAllowed
from bot.tickets.usecases import Operations
from slackui.ids import TICKET_REACTION

UNREADABLE = "I could not read that message to make a ticket."


async def _message_at(client: AsyncWebClient, channel: str, ts: str) -> dict[str, Any] | None:
    """The reacted-to message: top-level messages are in the history; a reply is not, so
    look in the thread it belongs to."""
    history = await client.conversations_history(
        channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1, include_all_metadata=True
    )
    for message in history.get("messages") or []:
        if message.get("ts") == ts:
            return dict(message)
    replies = await client.conversations_replies(
        channel=channel, ts=ts, limit=200, include_all_metadata=True
    )
    for message in replies.get("messages") or []:
        if message.get("ts") == ts:
            return dict(message)
    return None


async def ticket_from_reaction(
    event: dict[str, Any], client: AsyncWebClient, operations: Operations
) -> None:
    item = event.get("item") or {}
    if event.get("reaction") != TICKET_REACTION or item.get("type") != "message":
        return
    user, channel, ts = event["user"], item["channel"], item["ts"]
    if not await operations.permissions.is_operator(user):
        await client.chat_postEphemeral(channel=channel, user=user, text=NotAllowed().message)
        return
    message = await _message_at(client, channel, ts)
    if message is None:
        await client.chat_postEphemeral(channel=channel, user=user, text=UNREADABLE)
        return
    await ticket_from_message(operations, user, channel, message)
