"""Who is who: `auth.test`, `users.info`, `usergroups.users.list`, and `api.test`."""

from __future__ import annotations

from standin.slack_api.identity import (
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    TEAM_ID,
    TEAM_NAME,
    WORKSPACE_URL,
    JsonDict,
)
from standin.slack_api.workspace import SlackApiStubError, Workspace


def api_test(ws: Workspace, args: JsonDict) -> JsonDict:
    return {"args": args}


def auth_test(ws: Workspace, args: JsonDict) -> JsonDict:
    return {
        "url": WORKSPACE_URL,
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, args: JsonDict) -> JsonDict:
    user_id = args.get("user")
    if not user_id:
        raise SlackApiStubError("user_not_found")
    return {"user": ws.user(user_id)}


def usergroup_members(ws: Workspace, args: JsonDict) -> JsonDict:
    group = args.get("usergroup")
    if group not in ws.groups:
        raise SlackApiStubError("no_such_subteam")
    return {"users": list(ws.groups[group])}


METHODS = {
    "api.test": api_test,
    "auth.test": auth_test,
    "users.info": users_info,
    "usergroups.users.list": usergroup_members,
}
