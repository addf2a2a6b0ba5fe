"""Every Slack payload checked at the edge, before Bolt reads it: one pydantic model per
kind (`events`, `interactive`, `commands`), of the fields Bolt and our listeners read.
`check_payload` names the first field at fault; the value itself is never echoed (it may
be a customer's text)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from handlers.payloads.commands import SlashCommand
from handlers.payloads.envelope import Envelope
from handlers.payloads.events import EventCallback, UrlVerification
from handlers.payloads.interactive import (
    BlockActions,
    GlobalShortcut,
    MessageShortcut,
    ViewSubmission,
)

MODELS: dict[str, type[Envelope]] = {
    "event_callback": EventCallback,
    "url_verification": UrlVerification,
    "block_actions": BlockActions,
    "shortcut": GlobalShortcut,
    "message_action": MessageShortcut,
    "view_submission": ViewSubmission,
    "view_closed": ViewSubmission,
}


def model_for(body: dict[str, Any]) -> type[Envelope]:
    """Slash commands carry no `type`; a kind we do not listen for only gets the checks of
    what Bolt reads (Bolt then answers it as unhandled)."""
    if "command" in body:
        return SlashCommand
    kind = body.get("type")
    return MODELS.get(kind, Envelope) if isinstance(kind, str) else Envelope


def describe(error: ValidationError) -> str:
    first = error.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "payload"
    return f"{where}: {first['msg']}"


def check_payload(body: dict[str, Any]) -> str | None:
    """None when the payload is one our listeners (and Bolt) can read; else the reason."""
    try:
        model_for(body).model_validate(body)
    except ValidationError as error:
        return describe(error)
    return None
