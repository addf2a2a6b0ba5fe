"""Events API requests (JSON): the `event_callback` envelope and the events the app
listens to, plus the `url_verification` handshake."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from standin.slack_api import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID
from standin.slack_requests import parts
from standin.slack_requests.parts import (
    DEFAULT_USER,
    JSON,
    VERIFICATION_TOKEN,
    JsonDict,
    SlackRequest,
)


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
        "event_id": event_id or f"Ev{parts.next_number():010d}",
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
        "event_context": f"4-stub-{parts.next_number()}",
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
    messages posted by apps with a bot token have no subtype)."""
    ts = ts or parts.now_ts()
    if user is None and bot_id is None:
        user = DEFAULT_USER
    event: JsonDict = {"type": "message", **({"subtype": subtype} if subtype else {})}
    event.update({"channel": channel, "text": text, "ts": ts, "event_ts": ts, "team": team_id})
    event["channel_type"] = parts.channel_type(channel)
    event.update(_author(user, bot_id, username))
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
        if parent_user_id is not None:
            event["parent_user_id"] = parent_user_id
    if blocks is None and bot_id is None and text:
        blocks = [_rich_text(text)]
    extras = {"blocks": blocks, "files": files, "metadata": _copy(metadata)}
    event.update({key: value for key, value in extras.items() if value is not None})
    return event_callback(event, event_id=event_id, team_id=team_id)


def _author(user: str | None, bot_id: str | None, username: str | None) -> JsonDict:
    """Who wrote a message: a person (with `client_msg_id`) or a bot (with its app)."""
    fields: JsonDict = {}
    if user is not None:
        fields["user"] = user
    if bot_id is not None:
        fields["bot_id"] = bot_id
        fields["app_id"] = APP_ID if bot_id == BOT_ID else f"A{bot_id[1:]}"
    else:
        fields["client_msg_id"] = str(uuid.uuid4())
    if username is not None:
        fields["username"] = username
    return fields


def _rich_text(text: str) -> JsonDict:
    """The rich_text block Slack adds to a person's message, mirroring its text."""
    return {
        "type": "rich_text",
        "block_id": uuid.uuid4().hex[:5],
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
    }


def _copy(metadata: Mapping[str, Any] | None) -> JsonDict | None:
    return dict(metadata) if metadata is not None else None


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
        "event_ts": parts.now_ts(),
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
        "event_ts": parts.now_ts(),
    }
    if view is not None:
        event["view"] = dict(view)
    return event_callback(event, event_id=event_id, team_id=team_id)
