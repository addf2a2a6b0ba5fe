"""Telling one operator something privately, whatever surface they acted on."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient


async def tell(
    client: AsyncWebClient,
    body: dict[str, Any],
    text: str,
    respond: AsyncRespond | None = None,
) -> None:
    """An ephemeral answer: through response_url when the payload has one, else as an
    ephemeral message in the payload's channel, else in the App Home's DM channel."""
    if respond is not None and body.get("response_url"):
        await respond(text=text, response_type="ephemeral", replace_original=False)
        return
    user_id = user_of(body)
    channel = channel_of(body)
    if channel:
        await client.chat_postEphemeral(channel=channel, user=user_id, text=text)
    else:
        await client.chat_postMessage(channel=user_id, text=text)


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id"))
    return str(body.get("user_id") or user or "")


def channel_of(body: dict[str, Any]) -> str | None:
    channel = body.get("channel")
    if isinstance(channel, dict):
        return str(channel.get("id"))
    return str(body.get("channel_id")) if body.get("channel_id") else None
