"""Slash commands, sent as a form."""

from __future__ import annotations

from urllib.parse import urlencode

from standin.slack_api import APP_ID, TEAM_DOMAIN, TEAM_ID
from standin.slack_requests import parts
from standin.slack_requests.parts import (
    DEFAULT_USER,
    FORM,
    VERIFICATION_TOKEN,
    SlackRequest,
)


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
        "response_url": response_url or parts.placeholder_response_url("commands", team_id),
        "trigger_id": trigger_id or parts.new_trigger_id(),
    }
    return urlencode(fields), FORM
