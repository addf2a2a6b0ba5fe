"""`reactions.*`: the bot's reactions per message (a second add answers
`already_reacted`, removing a missing one `no_reaction`, as on Slack)."""

from __future__ import annotations

from standin.slack_api.identity import BOT_USER_ID, JsonDict
from standin.slack_api.workspace import SlackApiStubError, Workspace


def add(ws: Workspace, args: JsonDict) -> JsonDict:
    key, name = _reaction_key(ws, args)
    users = ws.reactions.setdefault(key, {}).setdefault(name, [])
    if BOT_USER_ID in users:
        raise SlackApiStubError("already_reacted")
    users.append(BOT_USER_ID)
    return {}


def remove(ws: Workspace, args: JsonDict) -> JsonDict:
    key, name = _reaction_key(ws, args)
    users = ws.reactions.get(key, {}).get(name, [])
    if BOT_USER_ID not in users:
        raise SlackApiStubError("no_reaction")
    users.remove(BOT_USER_ID)
    return {}


def _reaction_key(ws: Workspace, args: JsonDict) -> tuple[tuple[str, str], str]:
    channel = ws.channel_for(args.get("channel"))
    ts = args.get("timestamp")
    name = args.get("name")
    if not ts:
        raise SlackApiStubError("no_item_specified")
    if not name:
        raise SlackApiStubError("invalid_name")
    return (channel, str(ts)), str(name)


METHODS = {
    "reactions.add": add,
    "reactions.remove": remove,
}
