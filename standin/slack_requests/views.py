"""Modals as Slack sends them back: the view inside payloads, `view_submission` and
`view_closed`, and the state values of the inputs a modal holds."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from standin.slack_api import APP_ID, BOT_ID, TEAM_ID
from standin.slack_requests import parts
from standin.slack_requests.interactivity import interactive
from standin.slack_requests.parts import VERIFICATION_TOKEN, JsonDict, SlackRequest


def modal_view(
    callback_id: str,
    state_values: Mapping[str, Any] | None = None,
    private_metadata: str = "",
    view_id: str | None = None,
    *,
    title: str = "Ticket",
    blocks: list[Any] | None = None,
    external_id: str = "",
    root_view_id: str | None = None,
    previous_view_id: str | None = None,
    team_id: str = TEAM_ID,
) -> JsonDict:
    """A modal as it appears inside view_submission / view_closed / block_actions payloads."""
    view_id = view_id or f"V{parts.next_number():08d}"
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": blocks or [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": dict(state_values or {})},
        "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        "title": {"type": "plain_text", "text": title, "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "previous_view_id": previous_view_id,
        "root_view_id": root_view_id or view_id,
        "app_id": APP_ID,
        "external_id": external_id,
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }


def view_submission(
    user: str,
    callback_id: str,
    state_values: Mapping[str, Any],
    private_metadata: str = "",
    view_id: str | None = None,
    *,
    trigger_id: str | None = None,
    blocks: list[Any] | None = None,
    response_urls: list[Mapping[str, Any]] | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """A `view_submission`. `state_values` is `{block_id: {action_id: value_obj}}`, e.g.
    `{"title": {"title_input": plain_text("Bay 3 projector")}}`."""
    return interactive(
        {
            "type": "view_submission",
            "team": parts.team(team_id),
            "user": parts.user(user, team_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or parts.new_trigger_id(),
            "view": modal_view(
                callback_id, state_values, private_metadata, view_id, blocks=blocks, team_id=team_id
            ),
            "response_urls": [dict(r) for r in response_urls or []],
            "is_enterprise_install": False,
            "enterprise": None,
        }
    )


def view_closed(
    user: str,
    callback_id: str,
    private_metadata: str = "",
    view_id: str | None = None,
    *,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """A `view_closed` (sent only for modals opened with `notify_on_close: true`)."""
    return interactive(
        {
            "type": "view_closed",
            "team": parts.team(team_id),
            "user": parts.user(user, team_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "view": modal_view(callback_id, {}, private_metadata, view_id, team_id=team_id),
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        }
    )


def plain_text(value: str | None) -> JsonDict:
    """State of a plain_text_input."""
    return {"type": "plain_text_input", "value": value}


def static_select(value: str | None, text: str | None = None) -> JsonDict:
    """State of a static_select (None = nothing selected)."""
    if value is None:
        return {"type": "static_select", "selected_option": None}
    option = {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}
    return {"type": "static_select", "selected_option": option}


def users_select(user_id: str | None) -> JsonDict:
    return {"type": "users_select", "selected_user": user_id}


def multi_users_select(user_ids: Iterable[str]) -> JsonDict:
    return {"type": "multi_users_select", "selected_users": list(user_ids)}


def conversations_select(channel_id: str | None) -> JsonDict:
    return {"type": "conversations_select", "selected_conversation": channel_id}
