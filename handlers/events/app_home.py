"""The App Home opened: its Tickets tab published with fresh data."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.club import ClubConfig
from bot.tickets.usecases import Operations
from handlers.home_tab import filters_in, publish_home


async def home_opened(
    event: dict[str, Any], client: AsyncWebClient, club: ClubConfig, operations: Operations
) -> None:
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    # Reopening keeps the viewer's filters, from the first page, with fresh data.
    filters = filters_in(event).on_page(0)
    await publish_home(client, club, operations, str(event["user"]), filters)
