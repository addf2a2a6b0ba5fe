"""Clicks on a message's interactive elements, built as Slack builds them from the
element the app posted (its block id, value, options)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from standin.slack_requests.interactivity import button_action
from standin.slack_requests.parts import JsonDict


def actions_block(blocks: list[JsonDict], action_id: str) -> JsonDict:
    """The actions block holding the element `action_id`."""
    return next(
        b
        for b in blocks
        if b.get("type") == "actions" and any(e["action_id"] == action_id for e in b["elements"])
    )


def click_on(
    message: Mapping[str, Any],
    action_id: str,
    *,
    user: str | None = None,
    option_suffix: str | None = None,
) -> JsonDict:
    """One `actions[]` entry for the element `action_id` of `message`: a button press, a
    user picked (`user`) or the option whose value ends with `option_suffix` chosen."""
    block = actions_block(message["blocks"], action_id)
    element = next(e for e in block["elements"] if e["action_id"] == action_id)
    base = {"action_id": action_id, "block_id": block["block_id"]}
    if element["type"] == "users_select":
        return {**base, "type": "users_select", "selected_user": user}
    if element["type"] == "static_select":
        suffix = option_suffix or ""
        option = next(o for o in element["options"] if o["value"].endswith(suffix))
        chosen = {**base, "type": "static_select", "selected_option": option}
        if element.get("initial_option"):
            chosen["initial_option"] = element["initial_option"]
        return chosen
    return button_action(action_id, element["value"], block["block_id"], element["text"]["text"])
