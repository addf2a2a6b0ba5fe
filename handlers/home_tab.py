"""Publishing the App Home's Tickets tab, for its event and its actions alike. The viewer's
filters travel in the Home view's private_metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.club import ClubConfig
from bot.tickets.home import HomeFilters, load_home_page
from bot.tickets.usecases import Operations
from slackui.views.home import home_view


def filters_in(payload: dict[str, Any]) -> HomeFilters:
    """The filters of the Home view an event or an action payload carries."""
    view = payload.get("view")
    return HomeFilters.from_metadata(
        view.get("private_metadata") if isinstance(view, dict) else None
    )


async def publish_home(
    client: AsyncWebClient,
    club: ClubConfig,
    operations: Operations,
    user_id: str,
    filters: HomeFilters,
) -> None:
    page = await load_home_page(operations, user_id, filters)
    can_create = await operations.permissions.is_operator(user_id)
    view = home_view(club, page, datetime.now(UTC), can_create=can_create)
    await client.views_publish(user_id=user_id, view=view)
