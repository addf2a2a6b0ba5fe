"""The App Home's actions: a filter or page change re-publishes the tab; its New ticket
button opens the create modal for operators."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.club import ClubConfig
from bot.tickets.home import FilterField
from bot.tickets.usecases import Operations
from handlers.home_tab import filters_in, publish_home
from handlers.replies import user_of
from handlers.shortcuts.create import new_ticket_modal
from slackui.ids import Action

FILTER_ACTIONS: dict[str, FilterField] = {
    Action.HOME_FILTER_LOCATION.value: FilterField.LOCATION,
    Action.HOME_FILTER_PRIORITY.value: FilterField.PRIORITY,
    Action.HOME_FILTER_CATEGORY.value: FilterField.CATEGORY,
    Action.HOME_FILTER_ASSIGNED.value: FilterField.ASSIGNED,
}


def _first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return actions[0]
    return {}


async def filter_changed(
    ack: AsyncAck,
    body: dict[str, Any],
    client: AsyncWebClient,
    club: ClubConfig,
    operations: Operations,
) -> None:
    await ack()
    action = _first_action(body)
    field = FILTER_ACTIONS.get(str(action.get("action_id")))
    option = action.get("selected_option") or {}
    if field is not None:
        filters = filters_in(body).choose(field, option.get("value"))
        await publish_home(client, club, operations, user_of(body), filters)


async def page_changed(
    ack: AsyncAck,
    body: dict[str, Any],
    client: AsyncWebClient,
    club: ClubConfig,
    operations: Operations,
) -> None:
    await ack()
    value = str(_first_action(body).get("value") or "0")
    page = int(value) if value.isdigit() else 0
    await publish_home(client, club, operations, user_of(body), filters_in(body).on_page(page))


async def new_ticket(
    ack: AsyncAck,
    body: dict[str, Any],
    client: AsyncWebClient,
    club: ClubConfig,
    operations: Operations,
) -> None:
    await ack()
    trigger_id = body.get("trigger_id")
    if trigger_id:
        view = await new_ticket_modal(club, operations, user_of(body))
        await client.views_open(trigger_id=trigger_id, view=view)
