"""The fields of any Slack payload that Bolt reads before a listener runs (who, which
team and channel, where to answer): typed, so an odd one is a 400 at the edge instead of
a crash inside Bolt."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from handlers.payloads.common import (
    Authorization,
    IdRef,
    Name,
    Payload,
    SlackId,
    TeamRef,
    Ts,
    Url,
    UserRef,
)


class ResponseUrlRef(Payload):
    response_url: Url | None = None


class Envelope(Payload):
    type: Name | None = None
    enterprise: SlackId | IdRef | None = None
    team: SlackId | TeamRef | None = None
    user: SlackId | UserRef | None = None
    channel: SlackId | IdRef | None = None
    enterprise_id: SlackId | None = None
    team_id: SlackId | None = None
    user_id: SlackId | None = None
    channel_id: SlackId | None = None
    api_app_id: SlackId | None = None
    authorizations: list[Authorization] | None = None
    is_enterprise_install: bool | None = None
    is_ext_shared_channel: bool | None = None
    thread_ts: Ts | None = None
    response_url: Url | None = None
    # Absent or a list: Bolt takes its length whenever the key is there (null: a 500).
    response_urls: list[ResponseUrlRef] = Field(default_factory=list)
    trigger_id: Name | None = None
    callback_id: Name | None = None
    # Bolt's workflow-function listeners: none here, so none may come.
    function_execution_id: None = None
    function_data: None = None
    bot_access_token: None = None
    message: dict[str, Any] | None = None
    view: dict[str, Any] | None = None
    event: dict[str, Any] | None = None
