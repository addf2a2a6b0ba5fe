"""`conversations.*`: history (newest first) and replies (parent first), paged and
windowed as on Slack; `open` and `info`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from standin.slack_api.identity import JsonDict
from standin.slack_api.parsing import truthy, ts_key
from standin.slack_api.workspace import SlackApiStubError, Workspace


def history(ws: Workspace, args: JsonDict) -> JsonDict:
    channel = ws.channel_for(args.get("channel"))
    with_metadata = truthy(args.get("include_all_metadata"))
    items = _window(ws.history.get(channel, []), args)
    return _page([_render(ws, channel, m, with_metadata) for m in reversed(items)], args)


def replies(ws: Workspace, args: JsonDict) -> JsonDict:
    channel = ws.channel_for(args.get("channel"))
    ts = args.get("ts")
    if not ts:
        raise SlackApiStubError("thread_not_found")
    thread = _thread(ws, channel, ts)
    with_metadata = truthy(args.get("include_all_metadata"))
    return _page([_render(ws, channel, m, with_metadata) for m in _window(thread, args)], args)


def _thread(ws: Workspace, channel: str, ts: str) -> list[JsonDict]:
    thread = ws.threads.get((channel, ts))
    if thread is None:
        # Like Slack, the ts of a reply also names its thread.
        thread = next(
            (
                msgs
                for (ch, _), msgs in ws.threads.items()
                if ch == channel and any(m.get("ts") == ts for m in msgs)
            ),
            None,
        )
    if thread is None:
        parent = ws.top_level(channel, ts)
        if parent is None:
            raise SlackApiStubError("thread_not_found")
        thread = [parent]
    return thread


def open_conversation(ws: Workspace, args: JsonDict) -> JsonDict:
    users = str(args.get("users") or "").split(",")
    if args.get("channel"):
        return {"channel": {"id": args["channel"]}}
    if not users[0]:
        raise SlackApiStubError("users_list_not_supplied")
    return {"channel": {"id": ws.channel_for(users[0])}}


def info(ws: Workspace, args: JsonDict) -> JsonDict:
    channel = ws.channel_for(args.get("channel"))
    return {
        "channel": {
            "id": channel,
            "name": channel.lower(),
            "is_channel": channel.startswith("C"),
            "is_im": channel.startswith("D"),
            "is_member": True,
        }
    }


def _render(ws: Workspace, channel: str, m: JsonDict, with_metadata: bool) -> JsonDict:
    """A stored message as Slack lists it: metadata only on request, with its reactions."""
    out = dict(m)
    if not with_metadata:
        out.pop("metadata", None)
    reactions = ws.reactions.get((channel, str(m.get("ts"))), {})
    if any(reactions.values()):
        out["reactions"] = [
            {"name": name, "users": list(users), "count": len(users)}
            for name, users in reactions.items()
            if users
        ]
    return out


def _page(items: list[JsonDict], args: Mapping[str, Any]) -> JsonDict:
    try:
        limit = int(args.get("limit") or 100)
        start = int(str(args.get("cursor") or "next_0").removeprefix("next_"))
    except ValueError as exc:
        raise SlackApiStubError("invalid_cursor") from exc
    limit = max(1, min(limit, 1000))
    page = items[start : start + limit]
    more = start + limit < len(items)
    return {
        "messages": page,
        "has_more": more,
        "response_metadata": {"next_cursor": f"next_{start + limit}" if more else ""},
    }


def _window(items: list[JsonDict], args: Mapping[str, Any]) -> list[JsonDict]:
    """The messages between `oldest` and `latest` (`inclusive` keeps the bounds)."""
    inclusive = truthy(args.get("inclusive"))
    oldest = args.get("oldest")
    latest = args.get("latest")
    out = []
    for m in items:
        ts = ts_key(m.get("ts"))
        if oldest not in (None, "") and (
            ts < ts_key(oldest) or (ts == ts_key(oldest) and not inclusive)
        ):
            continue
        if latest not in (None, "") and (
            ts > ts_key(latest) or (ts == ts_key(latest) and not inclusive)
        ):
            continue
        out.append(m)
    return out


METHODS = {
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.open": open_conversation,
    "conversations.info": info,
}
