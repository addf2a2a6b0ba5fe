"""The signature is checked before anything reads the body: unsigned, badly signed or
stale requests get 401 whatever they hold, nothing is written, and no body is logged."""

from __future__ import annotations

import json
import logging
import time

import pytest

from standin import slack_requests as rq
from tests.support.app_harness import Harness
from tests.support.edge import stored_rows

SECRET_TEXT = "Jane Doe 902-555-0199 toilet overflowing"
UNSIGNED_BODIES = [
    b"{",
    b"payload=notjson",
    b"\xff\xfe\xfa not utf-8",
    b"[" * 100_000,
    json.dumps({"type": "event_callback", "event": {"text": SECRET_TEXT}}).encode(),
]


@pytest.mark.parametrize("body", UNSIGNED_BODIES, ids=["brace", "form", "utf8", "deep", "event"])
async def test_unsigned_bodies_get_401_and_are_not_logged(
    harness: Harness, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before = await stored_rows(harness.runtime.database)
    response = await harness.http.post(
        "/slack/events", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert await stored_rows(harness.runtime.database) == before
    assert SECRET_TEXT not in caplog.text
    assert all(len(r.getMessage()) < 2_000 for r in caplog.records)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Signature": "v0=00"},
        rq.sign("wrong-secret", "{"),
        rq.sign(rq.DEFAULT_SIGNING_SECRET, "{", timestamp=int(time.time()) - 301),
    ],
    ids=["ts-abc", "ts-float", "no-ts", "wrong-secret", "stale"],
)
async def test_bad_signature_headers_get_401(harness: Harness, headers: dict[str, str]) -> None:
    response = await harness.http.post(
        "/slack/events", content=b"{", headers={"Content-Type": "application/json", **headers}
    )
    assert response.status_code == 401
    assert "error" in response.json()


async def test_a_signed_body_that_is_not_a_payload_gets_400_with_a_reason(
    harness: Harness,
) -> None:
    cases = {
        "{": "not JSON",
        "payload=notjson": "not JSON",
        "[" * 100_000: "nested too deeply",
        "[1, 2]": "not a JSON object",
        '{"a":' * 60 + "1" + "}" * 60: "deeper than",
    }
    for body, reason in cases.items():
        content_type = rq.FORM if body.startswith("payload") else rq.JSON
        response = await harness.post((body, content_type))
        assert response.status_code == 400, body[:20]
        assert reason in response.json()["error"]
