"""Messages in the customer-relay channels: stored in the inbox BEFORE Slack gets its
200 (listener middleware runs before the ack), then triaged by the worker. A Slack retry
of the same message finds its row and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.intake.relay_inbox import RelayInbox
from slackui.ids import Event


def register(app: AsyncApp, relay: RelayInbox, wake_triage: Callable[[], None]) -> None:
    async def store_first(body: dict[str, Any], next: Callable[[], Awaitable[Any]]) -> Any:
        if await relay.receive(body.get("event") or {}):
            wake_triage()
        return await next()

    @app.event(Event.MESSAGE.value, middleware=[store_first])
    async def on_message() -> None:
        """Nothing left to do here: the worker triages what the middleware stored."""
