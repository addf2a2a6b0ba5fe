"""The App Home's Tickets tab: published when a user opens it and again after each filter
or page change (the filters travel in the Home view's private_metadata); its New ticket
button opens the create modal for operators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.club import ClubConfig
from bot.tickets.home import FilterField, HomeFilters, load_home_page
from bot.tickets.permissions import NotAllowed
from bot.tickets.usecases import Operations
from handlers.replies import user_of
from slackui.ids import Action, Event
from slackui.views.home import home_view
from slackui.views.modals import CreatePrefill, create_ticket_modal, notice_modal

FILTER_ACTIONS: dict[str, FilterField] = {
    Action.HOME_FILTER_LOCATION.value: FilterField.LOCATION,
    Action.HOME_FILTER_PRIORITY.value: FilterField.PRIORITY,
    Action.HOME_FILTER_CATEGORY.value: FilterField.CATEGORY,
    Action.HOME_FILTER_ASSIGNED.value: FilterField.ASSIGNED,
}


def _filters_in(body: dict[str, Any]) -> HomeFilters:
    view = body.get("view")
    return HomeFilters.from_metadata(
        view.get("private_metadata") if isinstance(view, dict) else None
    )


def _first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return actions[0]
    return {}


def register(app: AsyncApp, club: ClubConfig, operations: Operations) -> None:
    async def publish(client: AsyncWebClient, user_id: str, filters: HomeFilters) -> None:
        page = await load_home_page(operations, user_id, filters)
        can_create = await operations.permissions.is_operator(user_id)
        view = home_view(club, page, datetime.now(UTC), can_create=can_create)
        await client.views_publish(user_id=user_id, view=view)

    @app.event(Event.APP_HOME_OPENED.value)
    async def home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        # Reopening keeps the viewer's filters, from the first page, with fresh data.
        await publish(client, str(event["user"]), _filters_in(event).on_page(0))

    async def filter_changed(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        action = _first_action(body)
        field = FILTER_ACTIONS.get(str(action.get("action_id")))
        option = action.get("selected_option") or {}
        if field is not None:
            filters = _filters_in(body).choose(field, option.get("value"))
            await publish(client, user_of(body), filters)

    for action_id in FILTER_ACTIONS:
        app.action(action_id)(filter_changed)

    @app.action(Action.HOME_PAGE.value)
    async def page_changed(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        value = str(_first_action(body).get("value") or "0")
        page = int(value) if value.isdigit() else 0
        await publish(client, user_of(body), _filters_in(body).on_page(page))

    @app.action(Action.HOME_NEW_TICKET.value)
    async def new_ticket(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        trigger_id = body.get("trigger_id")
        if not trigger_id:
            return
        if not await operations.permissions.is_operator(user_of(body)):
            await client.views_open(trigger_id=trigger_id, view=notice_modal(NotAllowed().message))
            return
        await client.views_open(
            trigger_id=trigger_id, view=create_ticket_modal(club, CreatePrefill())
        )
