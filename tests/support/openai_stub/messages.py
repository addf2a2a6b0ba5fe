"""The texts of a recorded chat completion request, for tests to assert on the prompt."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def message_text(message: Mapping[str, Any]) -> str:
    """The text of one chat message (string content or a list of text parts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, Mapping))
    return ""


def user_text(body: Mapping[str, Any]) -> str:
    """The text of the last user message of a recorded request body."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def system_text(body: Mapping[str, Any]) -> str:
    """The text of all system/developer messages of a recorded request body."""
    return "\n".join(
        message_text(m)
        for m in body.get("messages") or []
        if m.get("role") in ("system", "developer")
    )
