"""Every Slack request: a fresh correlation id and one structured log line."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest

from bot.logs import new_correlation_id
from handlers.replies import user_of

log = logging.getLogger("clubos.slack")


async def correlate_and_log(
    body: dict[str, Any], req: AsyncBoltRequest, next: Callable[[], Awaitable[Any]]
) -> Any:
    cid = new_correlation_id()
    event = body.get("event") or {}
    kind = body.get("type") or ("slash_command" if body.get("command") else "unknown")
    log.info(
        "slack.request",
        extra={
            "kind": kind,
            "event": event.get("type"),
            "subtype": event.get("subtype"),
            "command": body.get("command"),
            "callback_id": body.get("callback_id") or (body.get("view") or {}).get("callback_id"),
            "actions": [a.get("action_id") for a in body.get("actions") or []] or None,
            "actor": user_of(body) or event.get("user"),
            "retry": req.headers.get("x-slack-retry-num", [None])[0],
            "correlation_id": cid,
        },
    )
    return await next()
