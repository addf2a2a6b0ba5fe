"""`views.*`: open, push, update and publish answer the view back with its `id`, `state`,
`hash` and `root_view_id`, as Slack does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from standin.slack_api.identity import APP_ID, BOT_ID, TEAM_ID, TS_BASE, JsonDict
from standin.slack_api.workspace import SlackApiStubError, Workspace


def open_view(ws: Workspace, args: JsonDict) -> JsonDict:
    _require_trigger(args)
    view = _view_from_args(args, ws.next_id("V"))
    ws.views[view["id"]] = view
    return {"view": dict(view)}


def push(ws: Workspace, args: JsonDict) -> JsonDict:
    _require_trigger(args)
    previous = next(reversed(ws.views.values()), None)
    view = _view_from_args(args, ws.next_id("V"), previous)
    view["previous_view_id"] = previous["id"] if previous else None
    ws.views[view["id"]] = view
    return {"view": dict(view)}


def update(ws: Workspace, args: JsonDict) -> JsonDict:
    view_id = args.get("view_id")
    external_id = args.get("external_id")
    if not view_id and external_id:
        view_id = next(
            (v["id"] for v in ws.views.values() if v.get("external_id") == external_id),
            None,
        )
        if view_id is None:
            raise SlackApiStubError("not_found")
    if not view_id:
        raise SlackApiStubError("invalid_arguments")
    previous = ws.views.get(view_id)
    view = _view_from_args(args, view_id, previous)
    if previous is not None:
        view["previous_view_id"] = previous.get("previous_view_id")
    ws.views[view_id] = view
    return {"view": dict(view)}


def publish(ws: Workspace, args: JsonDict) -> JsonDict:
    user_id = args.get("user_id")
    if not user_id:
        raise SlackApiStubError("invalid_arguments")
    previous = ws.home.get(user_id)
    view_id = previous["id"] if previous else ws.next_id("V")
    view = _view_from_args(args, view_id)
    view.setdefault("type", "home")
    ws.home[user_id] = view
    return {"view": dict(view)}


def _require_trigger(args: JsonDict) -> None:
    if not args.get("trigger_id") and not args.get("interactivity_pointer"):
        raise SlackApiStubError("invalid_arguments")


def _view_from_args(
    args: Mapping[str, Any], view_id: str, previous: JsonDict | None = None
) -> JsonDict:
    view = args.get("view")
    if not isinstance(view, dict):
        raise SlackApiStubError("invalid_arguments", response_metadata={"messages": ["view"]})
    root = (previous or {}).get("root_view_id") or view_id
    return {
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        **view,
        "id": view_id,
        "team_id": TEAM_ID,
        "app_id": APP_ID,
        "bot_id": BOT_ID,
        "app_installed_team_id": TEAM_ID,
        "state": {"values": {}},
        "hash": f"{TS_BASE}.{view_id}",
        "root_view_id": root,
        "previous_view_id": None,
    }


METHODS = {
    "views.open": open_view,
    "views.push": push,
    "views.update": update,
    "views.publish": publish,
}
