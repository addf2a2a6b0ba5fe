"""Who the stub's workspace is: the ids `auth.test` answers and the bot's messages carry."""

from __future__ import annotations

from typing import Any

JsonDict = dict[str, Any]

TEAM_ID = "T0TEAM"
TEAM_DOMAIN = "clubos-test"
TEAM_NAME = "ClubOS Test"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0APP"
BOT_NAME = "clubos-tickets"
WORKSPACE_URL = f"https://{TEAM_DOMAIN}.slack.com/"

#: First bot message ts is f"{TS_BASE}.000101"; later ones increase.
TS_BASE = 1732550000


def default_user(user_id: str) -> JsonDict:
    """What `users.info` answers for a user no test configured."""
    is_bot = user_id == BOT_USER_ID
    name = BOT_NAME if is_bot else f"user-{user_id.lower()}"
    real_name = "ClubOS Tickets" if is_bot else f"User {user_id}"
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": name,
        "real_name": real_name,
        "deleted": False,
        "is_bot": is_bot,
        "is_admin": False,
        "tz": "America/New_York",
        "tz_label": "Eastern Standard Time",
        "tz_offset": -18000,
        "profile": {
            "real_name": real_name,
            "display_name": name,
            "email": None if is_bot else f"{user_id.lower()}@example.com",
            "image_48": "https://example.invalid/avatar.png",
        },
    }
