"""The signed-request builders against a real bolt app: signatures, the replay window,
the Events API envelope and retry headers, the URL verification handshake."""

from __future__ import annotations

import time
from typing import Any

from slack_sdk.signature import SignatureVerifier

from standin.slack_requests import (
    FORM,
    JSON,
    event_callback,
    message_event,
    post_signed,
    sign,
    signed_headers,
    slash_command,
    url_verification,
)
from tests.stubs.bolt_app import SECRET, Bolt


def test_sign_matches_slack_sdk_verifier() -> None:
    body, _ = message_event("C0FRONT", "hello", "1732549000.000100")
    headers = sign(SECRET, body, timestamp=1732549000)
    assert headers["X-Slack-Request-Timestamp"] == "1732549000"
    expected = SignatureVerifier(SECRET).generate_signature(timestamp="1732549000", body=body)
    assert headers["X-Slack-Signature"] == expected
    now_headers = sign(SECRET, body)
    assert SignatureVerifier(SECRET).is_valid(
        body, now_headers["X-Slack-Request-Timestamp"], now_headers["X-Slack-Signature"]
    )


async def test_url_verification_echoes_challenge(bolt: Bolt) -> None:
    response = await bolt.post(url_verification("abc123"))
    assert response.status_code == 200
    assert response.json() == {"challenge": "abc123"}


async def test_bad_signature_is_401(bolt: Bolt) -> None:
    @bolt.app.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        bolt.record("message", event)

    body, content_type = message_event("C0FRONT", "hi", "1732549000.000100")
    response = await post_signed(bolt.http, "wrong-secret", (body, content_type))
    assert response.status_code == 401
    headers = signed_headers(SECRET, body, content_type)
    response = await bolt.http.post(
        "/slack/events", content=body.replace("hi", "ho").encode(), headers=headers
    )
    assert response.status_code == 401
    response = await bolt.http.post(
        "/slack/events", content=body.encode(), headers={"Content-Type": JSON}
    )
    assert response.status_code == 401
    assert "message" not in bolt.seen


async def test_replay_window(bolt: Bolt) -> None:
    @bolt.app.command("/ticket")
    async def on_ticket(ack: Any) -> None:
        await ack()

    request = slash_command("list", "U0ALICE", "C0FRONT", response_url=bolt.stub.response_url())
    assert request[1] == FORM
    now = int(time.time())
    assert (await bolt.post(request, timestamp=now - 301)).status_code == 401
    assert (await bolt.post(request, timestamp=now + 301)).status_code == 401
    assert (await bolt.post(request, timestamp=now - 299)).status_code == 200


async def test_event_callback_shape_and_retry_headers(bolt: Bolt) -> None:
    @bolt.app.event("message")
    async def on_message(event: dict[str, Any], body: dict[str, Any], request: Any) -> None:
        bolt.record("retry", (body["event_id"], request.headers.get("x-slack-retry-num")))

    event = {"type": "message", "channel": "C0FRONT", "user": "U0ALICE", "text": "x", "ts": "1.2"}
    request = event_callback(event, event_id="Ev0DUP")
    assert (await bolt.post(request)).status_code == 200
    assert (await bolt.post(request, retry_num=1)).status_code == 200
    assert await bolt.wait_seen("retry", 2) == [("Ev0DUP", None), ("Ev0DUP", ["1"])]
