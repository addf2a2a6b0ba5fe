"""A signed Slack body read into a dict: JSON (events), a form with a `payload` field of
JSON (interactivity) or a plain form (slash commands). NUL characters are dropped from
every string on the way (PostgreSQL text cannot hold them), and nesting deeper than any
Slack payload is refused before anything walks it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

MAX_DEPTH = 40  # Slack's deepest payloads (a modal's blocks) nest about a dozen levels
JSON_TYPE = "application/json"


class Unreadable(ValueError):
    """Why the body is not a Slack payload (said in the 400)."""


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise Unreadable(f"{what} is nested too deeply") from None
    except ValueError:
        raise Unreadable(f"{what} is not JSON") from None


def _parsed(text: str, content_type: str | None) -> Any:
    if content_type == JSON_TYPE or (content_type is None and text.startswith("{")):
        return _json(text, "the body")
    try:
        fields = dict(parse_qsl(text, keep_blank_values=True, errors="strict"))
    except (UnicodeDecodeError, ValueError):
        raise Unreadable("the form is not UTF-8") from None
    if "payload" in fields:
        return _json(fields["payload"], "the form's payload")
    return fields


def cleaned(value: Any) -> Any:
    """`value` without NUL characters in any string (keys too); Unreadable when it nests
    deeper than MAX_DEPTH. Iterative: no recursion for a hostile body to exhaust."""
    root: list[Any] = [value]
    stack: list[tuple[list[Any] | dict[str, Any], Any, Any, int]] = [(root, 0, value, 0)]
    while stack:
        parent, key, item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Unreadable(f"the payload nests deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            parent[key] = item.replace("\x00", "")
        elif isinstance(item, dict):
            copy: dict[str, Any] = {}
            for k, v in item.items():
                copy[k.replace("\x00", "")] = v
                stack.append((copy, k.replace("\x00", ""), v, depth + 1))
            parent[key] = copy
        elif isinstance(item, list):
            items = list(item)
            stack.extend((items, i, v, depth + 1) for i, v in enumerate(items))
            parent[key] = items
    return root[0]


def read_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("the body is not UTF-8") from None
    body = _parsed(text, content_type)
    if not isinstance(body, dict):
        raise Unreadable("the payload is not a JSON object")
    result: dict[str, Any] = cleaned(body)
    return result
