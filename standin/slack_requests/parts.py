"""What every request body shares: content types, identities, ids, timestamps."""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

from standin.slack_api import TEAM_DOMAIN

JsonDict = dict[str, Any]
#: `(body, content_type)`: the exact text to sign and send.
SlackRequest = tuple[str, str]

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

DEFAULT_SIGNING_SECRET = "test-signing-secret"
DEFAULT_USER = "U0MEMBER"
VERIFICATION_TOKEN = "legacy-verification-token"

_counter = itertools.count(1)


def next_number() -> int:
    return next(_counter)


def now_ts() -> str:
    return f"{time.time():.6f}"


def new_trigger_id() -> str:
    return f"{next_number()}.{next_number()}.{uuid.uuid4().hex[:24]}"


def team(team_id: str) -> JsonDict:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def user(user_id: str, team_id: str) -> JsonDict:
    name = f"user-{user_id.lower()}"
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def channel(channel_id: str) -> JsonDict:
    return {"id": channel_id, "name": channel_id.lower()}


def channel_type(channel_id: str) -> str:
    return {"D": "im", "G": "group"}.get(channel_id[:1], "channel")


def placeholder_response_url(kind: str, team_id: str) -> str:
    """A hooks.slack.com URL nothing answers offline (pass the stub's to get answers)."""
    return f"https://hooks.slack.com/{kind}/{team_id}/{next_number()}/{uuid.uuid4().hex[:24]}"
