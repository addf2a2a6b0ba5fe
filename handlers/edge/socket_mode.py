"""Socket Mode's edge: what Slack pushes over the WebSocket is checked like what it POSTs
(`endpoint`), before Bolt sees it. No signature there (the connection itself is
authenticated by the app-level token); the payload is cleaned of NULs, bounded in depth and
checked against its model. A payload that fails is acknowledged (Slack would otherwise
send it again and again) and skipped with a log line naming the field, never the value."""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from handlers.edge.reading import Unreadable, cleaned
from handlers.payloads import check_payload

log = logging.getLogger("clubos.slack.edge")


def _problem(request: SocketModeRequest) -> str | None:
    if not isinstance(request.payload, dict):
        return "the payload is not a JSON object"
    try:
        request.payload = cleaned(request.payload)
    except Unreadable as exc:
        return str(exc)
    return check_payload(request.payload)


class CheckedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode adapter with the payload checks of the HTTP edge in front."""

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]  # slack_bolt types it for the sync client
        problem = _problem(req)
        if problem is None:
            await super().handle(client, req)
            return
        log.info("slack.refused", extra={"transport": "socket_mode", "reason": problem})
        await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
