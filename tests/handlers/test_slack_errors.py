"""Nothing fails silently: an unexpected failure reaches the operator with a reference,
and the log line carries the same correlation id."""

from __future__ import annotations

import json
import logging

import pytest

from standin import slack_requests as rq
from tests.support.app_harness import OPERATOR, RELAY, Harness


async def test_an_unexpected_failure_is_told_with_its_reference(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="clubos")
    harness.stub.fail_next("views.open", "internal_error")
    request = rq.message_shortcut(
        "create_ticket",
        OPERATOR,
        RELAY,
        {"type": "message", "ts": "1.000001", "text": "no balls"},
        response_url=harness.stub.response_url(),
    )
    assert (await harness.post(request)).status_code == 200
    await harness.settle()
    failures = [r for r in caplog.records if r.getMessage() == "slack.handler_failed"]
    assert len(failures) == 1
    reference = failures[0].correlation_id  # type: ignore[attr-defined]
    assert reference
    told = [c for c in harness.stub.calls() if reference in json.dumps(c.body)]
    assert told, "the operator was not told"
    assert "error on our side" in json.dumps(told[0].body)
    [request_line] = [r for r in caplog.records if r.getMessage() == "slack.request"]
    assert request_line.correlation_id == reference  # type: ignore[attr-defined]
