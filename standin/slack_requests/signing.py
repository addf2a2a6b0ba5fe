"""Slack's request signature (v0, HMAC-SHA256) and posting a signed request."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from standin.slack_requests.parts import SlackRequest

if TYPE_CHECKING:
    import httpx


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """`X-Slack-Request-Timestamp` and `X-Slack-Signature` (v0, HMAC-SHA256) for `body`.

    `timestamp` defaults to now; pass an old one to test the replay window (bolt rejects
    `abs(now - timestamp) > 300`).
    """
    ts = str(int(time.time()) if timestamp is None else int(timestamp))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def signed_headers(
    secret: str,
    body: str,
    content_type: str,
    timestamp: int | None = None,
    *,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, str]:
    """`sign()` plus Content-Type, and Slack's retry headers when `retry_num` is given."""
    headers = {"Content-Type": content_type, **sign(secret, body, timestamp)}
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    return headers


async def post_signed(
    client: httpx.AsyncClient,
    secret: str,
    request: SlackRequest,
    *,
    path: str = "/slack/events",
    timestamp: int | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """POST a `(body, content_type)` from a builder, signed, to `path`."""
    body, content_type = request
    all_headers = signed_headers(
        secret, body, content_type, timestamp, retry_num=retry_num, retry_reason=retry_reason
    )
    all_headers.update(headers or {})
    return await client.post(path, content=body.encode(), headers=all_headers)
