"""Signed requests as Slack sends them to the app's `POST /slack/events`.

Every body builder returns `(body, content_type)`: the exact text to sign and send.
Events are JSON; slash commands are a form; interactivity (shortcuts, block actions,
view submissions) is a form with one field, `payload=<urlencoded JSON>`. Shapes follow
Slack's payload docs and bolt-python's own tests (what bolt matches on: `type`,
`callback_id`, `actions[].action_id`/`block_id`, `view.callback_id`, `user.id`,
`team.id`, `api_app_id`, `event.type`/`subtype`).

    body, content_type = slash_command("new printer jam", "U0ALICE", "C0FRONT",
                                       response_url=slack_stub.response_url())
    headers = signed_headers(SECRET, body, content_type)          # or sign() for just
    response = await http.post("/slack/events", content=body, headers=headers)
    # or: response = await post_signed(http, SECRET, (body, content_type))

`sign(secret, body, timestamp=None)` gives the two signature headers; pass an old
`timestamp` (e.g. `int(time.time()) - 301`) to test the 5-minute replay window.

Identities default to the ones `SlackStub` answers in `auth.test` (team `T0TEAM`, app
`A0APP`, bot user `U0BOT`, bot `B0BOT`). Note that bolt drops events whose `user` is the
bot user or whose `bot_id` is the app's bot (IgnoringSelfEvents), so a
`message_event(..., user=BOT_USER_ID)` never reaches a listener.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tests.support.slack_stub import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "DEFAULT_SIGNING_SECRET",
    "DEFAULT_USER",
    "FORM",
    "JSON",
    "TEAM_ID",
    "SlackRequest",
    "app_home_opened",
    "block_actions",
    "button_action",
    "conversations_select",
    "event_callback",
    "global_shortcut",
    "message_event",
    "message_shortcut",
    "modal_view",
    "multi_users_select",
    "plain_text",
    "post_signed",
    "reaction_added",
    "sign",
    "signed_headers",
    "slash_command",
    "static_select",
    "url_verification",
    "users_select",
    "view_closed",
    "view_submission",
]

JsonDict = dict[str, Any]
SlackRequest = tuple[str, str]

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

DEFAULT_SIGNING_SECRET = "test-signing-secret"
DEFAULT_USER = "U0MEMBER"
VERIFICATION_TOKEN = "legacy-verification-token"

_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def _now_ts() -> str:
    return f"{time.time():.6f}"


def _trigger_id() -> str:
    return f"{_n()}.{_n()}.{uuid.uuid4().hex[:24]}"


def _team(team_id: str) -> JsonDict:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _user(user_id: str, team_id: str) -> JsonDict:
    name = f"user-{user_id.lower()}"
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _channel(channel_id: str) -> JsonDict:
    return {"id": channel_id, "name": channel_id.lower()}


def _channel_type(channel_id: str) -> str:
    return {"D": "im", "G": "group"}.get(channel_id[:1], "channel")


# --------------------------------------------------------------------------- signing


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """`X-Slack-Request-Timestamp` and `X-Slack-Signature` (v0, HMAC-SHA256) for `body`.

    `timestamp` defaults to now; pass an old one to test the replay window (bolt rejects
    `abs(now - timestamp) > 300`).
    """
    ts = str(int(time.time()) if timestamp is None else int(timestamp))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def signed_headers(
    secret: str,
    body: str,
    content_type: str,
    timestamp: int | None = None,
    *,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, str]:
    """`sign()` plus Content-Type, and Slack's retry headers when `retry_num` is given."""
    headers = {"Content-Type": content_type, **sign(secret, body, timestamp)}
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    return headers


async def post_signed(
    client: httpx.AsyncClient,
    secret: str,
    request: SlackRequest,
    *,
    path: str = "/slack/events",
    timestamp: int | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """POST a `(body, content_type)` from a builder, signed, to `path`."""
    body, content_type = request
    all_headers = signed_headers(
        secret, body, content_type, timestamp, retry_num=retry_num, retry_reason=retry_reason
    )
    all_headers.update(headers or {})
    return await client.post(path, content=body.encode(), headers=all_headers)


# --------------------------------------------------------------------------- Events API


def event_callback(
    event: Mapping[str, Any],
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    *,
    api_app_id: str = APP_ID,
    event_time: int | None = None,
) -> SlackRequest:
    """The Events API envelope around `event` (JSON). `event_id` defaults to a unique one."""
    payload = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or f"Ev{_n():010d}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-stub-{_n()}",
    }
    return json.dumps(payload), JSON


def url_verification(challenge: str = "stub-challenge") -> SlackRequest:
    """The handshake Slack sends when the Request URL is saved (bolt echoes `challenge`)."""
    payload = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    return json.dumps(payload), JSON


def message_event(
    channel: str,
    text: str,
    ts: str | None = None,
    thread_ts: str | None = None,
    user: str | None = None,
    bot_id: str | None = None,
    subtype: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    username: str | None = None,
    *,
    blocks: list[Any] | None = None,
    files: list[Any] | None = None,
    parent_user_id: str | None = None,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """A `message` event. `user` defaults to `DEFAULT_USER` unless `bot_id` is given.

    A person's message carries `client_msg_id` and a rich_text block mirroring `text`;
    a bot's has `bot_id` (and `subtype` only when you pass one, e.g. "bot_message":
    messages posted by apps with a bot token have no subtype).
    """
    ts = ts or _now_ts()
    if user is None and bot_id is None:
        user = DEFAULT_USER
    event: JsonDict = {"type": "message"}
    if subtype:
        event["subtype"] = subtype
    event.update({"channel": channel, "text": text, "ts": ts, "event_ts": ts, "team": team_id})
    event["channel_type"] = _channel_type(channel)
    if user is not None:
        event["user"] = user
    if bot_id is not None:
        event["bot_id"] = bot_id
        event["app_id"] = APP_ID if bot_id == BOT_ID else f"A{bot_id[1:]}"
    else:
        event["client_msg_id"] = str(uuid.uuid4())
    if username is not None:
        event["username"] = username
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
        if parent_user_id is not None:
            event["parent_user_id"] = parent_user_id
    if blocks is not None:
        event["blocks"] = blocks
    elif bot_id is None and text:
        event["blocks"] = [
            {
                "type": "rich_text",
                "block_id": uuid.uuid4().hex[:5],
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                ],
            }
        ]
    if files is not None:
        event["files"] = files
    if metadata is not None:
        event["metadata"] = dict(metadata)
    return event_callback(event, event_id=event_id, team_id=team_id)


def reaction_added(
    user: str,
    reaction: str,
    channel: str,
    ts: str,
    *,
    item_user: str | None = None,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """A `reaction_added` event on message `ts` in `channel`."""
    event: JsonDict = {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": _now_ts(),
    }
    if item_user is not None:
        event["item_user"] = item_user
    return event_callback(event, event_id=event_id, team_id=team_id)


def app_home_opened(
    user: str,
    *,
    channel: str | None = None,
    tab: str = "home",
    view: Mapping[str, Any] | None = None,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """An `app_home_opened` event (`view` is present once a Home view was published)."""
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel or f"D{user[1:]}",
        "tab": tab,
        "event_ts": _now_ts(),
    }
    if view is not None:
        event["view"] = dict(view)
    return event_callback(event, event_id=event_id, team_id=team_id)


# --------------------------------------------------------------------------- commands


def slash_command(
    text: str,
    user_id: str = DEFAULT_USER,
    channel_id: str = "C0GENERAL",
    command: str = "/ticket",
    *,
    response_url: str | None = None,
    trigger_id: str | None = None,
    user_name: str | None = None,
    channel_name: str | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """A slash command (form). Pass `response_url=slack_stub.response_url()` when the app
    will `respond()`; the default is a hooks.slack.com URL nothing answers offline."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name or channel_id.lower(),
        "user_id": user_id,
        "user_name": user_name or f"user-{user_id.lower()}",
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or _placeholder_response_url("commands", team_id),
        "trigger_id": trigger_id or _trigger_id(),
    }
    return urlencode(fields), FORM


def _placeholder_response_url(kind: str, team_id: str) -> str:
    return f"https://hooks.slack.com/{kind}/{team_id}/{_n()}/{uuid.uuid4().hex[:24]}"


# --------------------------------------------------------------------------- interactivity


def _interactive(payload: Mapping[str, Any]) -> SlackRequest:
    return urlencode({"payload": json.dumps(payload)}), FORM


def global_shortcut(
    callback_id: str,
    user: str = DEFAULT_USER,
    trigger_id: str | None = None,
    *,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """A global shortcut (`type: shortcut`): no channel, no response_url."""
    return _interactive(
        {
            "type": "shortcut",
            "token": VERIFICATION_TOKEN,
            "action_ts": _now_ts(),
            "team": _team(team_id),
            "user": _user(user, team_id),
            "api_app_id": APP_ID,
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id or _trigger_id(),
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
    return _interactive(
        {
            "type": "message_action",
            "token": VERIFICATION_TOKEN,
            "action_ts": _now_ts(),
            "team": _team(team_id),
            "user": _user(user, team_id),
            "channel": _channel(channel),
            "is_enterprise_install": False,
            "enterprise": None,
            "api_app_id": APP_ID,
            "callback_id": callback_id,
            "trigger_id": trigger_id or _trigger_id(),
            "message_ts": msg.get("ts"),
            "message": msg,
            "response_url": response_url or _placeholder_response_url("app", team_id),
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
        "action_ts": _now_ts(),
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
    filled = []
    for action in actions:
        entry = {"type": "button", "block_id": "actions", "action_ts": _now_ts(), **action}
        if "action_id" not in entry:
            raise ValueError("every action needs an action_id")
        filled.append(entry)
    payload: JsonDict = {
        "type": "block_actions",
        "user": _user(user, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or _trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": filled,
    }
    if view is not None:
        view_dict = dict(view)
        payload["container"] = {"type": "view", "view_id": view_dict.get("id")}
        payload["view"] = view_dict
    if message is not None:
        if channel is None:
            raise ValueError("block_actions on a message needs the channel")
        msg = {"type": "message", **message}
        payload["container"] = {
            "type": "message",
            "message_ts": msg.get("ts"),
            "channel_id": channel,
            "is_ephemeral": False,
        }
        payload["message"] = msg
    if channel is not None:
        payload["channel"] = _channel(channel)
        payload["response_url"] = response_url or _placeholder_response_url("actions", team_id)
    if state_values is not None:
        payload["state"] = {"values": dict(state_values)}
    return _interactive(payload)


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
    view_id = view_id or f"V{_n():08d}"
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
    return _interactive(
        {
            "type": "view_submission",
            "team": _team(team_id),
            "user": _user(user, team_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or _trigger_id(),
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
    return _interactive(
        {
            "type": "view_closed",
            "team": _team(team_id),
            "user": _user(user, team_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "view": modal_view(callback_id, {}, private_metadata, view_id, team_id=team_id),
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        }
    )


# --------------------------------------------------------------------------- state values


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
