"""`POST /slack/events` in front of Bolt. In order: the signature on the raw bytes (401,
nothing parsed, nothing logged but the reason), the body read (400 with the reason),
the payload checked against its model (400 naming the field); then Bolt dispatches the
cleaned payload. Bolt's own signature check is off (see the runtime): it would check the
bytes as sent, and what Bolt gets is the payload as read here, NULs dropped."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence

from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from handlers.edge.reading import JSON_TYPE, Unreadable, read_body
from handlers.edge.signature import signature_problem
from handlers.payloads import check_payload

log = logging.getLogger("clubos.slack.edge")

# The Bolt app's `async_dispatch`.
Dispatch = Callable[[AsyncBoltRequest], Awaitable[BoltResponse]]


def _refused(status: int, reason: str) -> Response:
    log.info("slack.refused", extra={"status": status, "reason": reason})
    return JSONResponse({"error": reason}, status_code=status)


class SlackEndpoint:
    def __init__(self, dispatch: Dispatch, signing_secret: str | None) -> None:
        self.dispatch = dispatch
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        problem = signature_problem(self.verifier, raw, request.headers)
        if problem is not None:
            return _refused(401, problem)
        content_type = request.headers.get("content-type", "").split(";")[0].strip() or None
        try:
            body = read_body(raw, content_type)
        except Unreadable as exc:
            return _refused(400, str(exc))
        reason = check_payload(body)
        if reason is not None:
            return _refused(400, reason)
        headers: dict[str, str | Sequence[str]] = dict(request.headers.items())
        headers["content-type"] = JSON_TYPE
        dispatched = AsyncBoltRequest(
            body=json.dumps(body), query=str(request.url.query), headers=headers
        )
        return to_starlette_response(await self.dispatch(dispatched))
