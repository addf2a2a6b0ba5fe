"""Messages in the customer-relay channels: stored in the inbox BEFORE Slack gets its
200 (listener middleware runs before the ack), then triaged by the worker. A Slack retry
of the same message finds its row and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.intake.relay_inbox import RelayInbox


async def store_first(
    body: dict[str, Any],
    relay: RelayInbox,
    wake_triage: Callable[[], None],
    next: Callable[[], Awaitable[None]],
) -> None:
    """The message listener's middleware: the inbox row first, then the ack."""
    if await relay.receive(body.get("event") or {}):
        wake_triage()
    await next()


async def triaged_later() -> None:
    """Nothing left to do here: the worker triages what the middleware stored."""
