"""Interactivity payloads (a form with one field, `payload=<urlencoded JSON>`):
shortcuts and block actions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from standin.slack_api import APP_ID, TEAM_ID
from standin.slack_requests import parts
from standin.slack_requests.parts import (
    DEFAULT_USER,
    FORM,
    VERIFICATION_TOKEN,
    JsonDict,
    SlackRequest,
)


def interactive(payload: Mapping[str, Any]) -> SlackRequest:
    return urlencode({"payload": json.dumps(payload)}), FORM


def global_shortcut(
    callback_id: str,
    user: str = DEFAULT_USER,
    trigger_id: str | None = None,
    *,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """A global shortcut (`type: shortcut`): no channel, no response_url."""
    return interactive(
        {
            "type": "shortcut",
            "token": VERIFICATION_TOKEN,
            "action_ts": parts.now_ts(),
            "team": parts.team(team_id),
            "user": parts.user(user, team_id),
            "api_app_id": APP_ID,
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id or parts.new_trigger_id(),
        }
    )


def message_shortcut(
    callback_id: str,
    user: str,
    channel: str,
    message: Mapping[str, Any],
    trigger_id: str | None = None,
    *,
    response_url: str | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """A message shortcut (`type: message_action`) on `message` (needs its `ts`)."""
    msg = {"type": "message", **message}
    return interactive(
        {
            "type": "message_action",
            "token": VERIFICATION_TOKEN,
            "action_ts": parts.now_ts(),
            "team": parts.team(team_id),
            "user": parts.user(user, team_id),
            "channel": parts.channel(channel),
            "is_enterprise_install": False,
            "enterprise": None,
            "api_app_id": APP_ID,
            "callback_id": callback_id,
            "trigger_id": trigger_id or parts.new_trigger_id(),
            "message_ts": msg.get("ts"),
            "message": msg,
            "response_url": response_url or parts.placeholder_response_url("app", team_id),
        }
    )


def button_action(
    action_id: str, value: str = "", block_id: str = "actions", text: str = "Button"
) -> JsonDict:
    """One `actions[]` entry as a button click."""
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
        "action_ts": parts.now_ts(),
    }


def block_actions(
    user: str,
    actions: Iterable[Mapping[str, Any]],
    channel: str | None = None,
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    trigger_id: str | None = None,
    *,
    response_url: str | None = None,
    state_values: Mapping[str, Any] | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """A `block_actions` payload from a message (give `channel` + `message`) or a view
    (give `view`, e.g. `modal_view(...)` or a Home view). Each action gets a `block_id`,
    `type` and `action_ts` when missing; `actions=[button_action("ticket_assign", "42")]`."""
    payload: JsonDict = {
        "type": "block_actions",
        "user": parts.user(user, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or parts.new_trigger_id(),
        "team": parts.team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": _filled(actions),
    }
    payload.update(_origin(channel, message, view))
    if channel is not None:
        payload["channel"] = parts.channel(channel)
        payload["response_url"] = response_url or parts.placeholder_response_url("actions", team_id)
    if state_values is not None:
        payload["state"] = {"values": dict(state_values)}
    return interactive(payload)


def _filled(actions: Iterable[Mapping[str, Any]]) -> list[JsonDict]:
    filled = []
    for action in actions:
        entry = {"type": "button", "block_id": "actions", "action_ts": parts.now_ts(), **action}
        if "action_id" not in entry:
            raise ValueError("every action needs an action_id")
        filled.append(entry)
    return filled


def _origin(
    channel: str | None, message: Mapping[str, Any] | None, view: Mapping[str, Any] | None
) -> JsonDict:
    """The `container` of the actions and the view or message they were clicked on."""
    fields: JsonDict = {}
    if view is not None:
        view_dict = dict(view)
        fields["container"] = {"type": "view", "view_id": view_dict.get("id")}
        fields["view"] = view_dict
    if message is not None:
        if channel is None:
            raise ValueError("block_actions on a message needs the channel")
        msg = {"type": "message", **message}
        fields["container"] = {
            "type": "message",
            "message_ts": msg.get("ts"),
            "channel_id": channel,
            "is_ephemeral": False,
        }
        fields["message"] = msg
    return fields
