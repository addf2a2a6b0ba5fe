"""Slack's request signature (v0, 5-minute window), checked on the raw bytes before
anything reads them."""

from __future__ import annotations

import re
from collections.abc import Mapping

from slack_sdk.signature import SignatureVerifier

# Seconds since the epoch; slack_sdk would raise on anything `int()` cannot read.
TIMESTAMP = re.compile(r"[0-9]{1,12}")


def signature_problem(
    verifier: SignatureVerifier | None, raw: bytes, headers: Mapping[str, str]
) -> str | None:
    """Why the request is not Slack's (None: it is). Without a signing secret nothing
    over HTTP is (Socket Mode needs none)."""
    if verifier is None:
        return "no signing secret is configured for HTTP requests"
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if not timestamp or not signature:
        return "missing signature headers"
    if not TIMESTAMP.fullmatch(timestamp):
        return "bad X-Slack-Request-Timestamp"
    try:
        # Slack signs UTF-8 text; bytes that are not cannot carry its signature.
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8, so not signed by Slack"
    if not verifier.is_valid(text, timestamp, signature):
        return "wrong or stale signature"
    return None
