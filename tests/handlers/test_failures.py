"""Slack always gets its answer at once, whenever a listener fails: after its ack (the ack
stands; the failure is reported) or before it (Bolt's 500; the failure is reported)."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.tickets.domain import TicketDraft
from handlers.failures import BOLT_ARGUMENTS, answered
from handlers.services import SERVICE_NAMES
from slackui.ids import Shortcut, ViewId
from standin import slack_requests as rq
from tests.support.app_harness import OPERATOR, Harness

ON_OUR_SIDE = "error on our side"


async def fails_at_once(*_args: Any, **_kwargs: Any) -> Any:
    """Raises on its first step: no await in between for Bolt's ack poll to run."""
    raise RuntimeError("the service is down")


def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == "slack.handler_failed"]


async def test_a_failure_right_after_the_ack_still_answers_at_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The shortcut acks, then fails, and the failure is told, all before Bolt's 10 ms ack
    poll runs (no await yields in between: the DM is recorded, not sent). Bolt's own error
    path would take the ack back: Slack would get nothing, then a 404 after 3 s."""
    caplog.set_level(logging.INFO, logger="clubos")
    monkeypatch.setattr(harness.runtime.operations.permissions, "is_operator", fails_at_once)
    told: list[dict[str, Any]] = []

    async def record(_client: AsyncWebClient, **message: Any) -> None:
        told.append(message)

    monkeypatch.setattr(AsyncWebClient, "chat_postMessage", record)

    started = time.monotonic()
    answer = await harness.post(rq.global_shortcut(Shortcut.NEW_TICKET.value, OPERATOR))
    assert answer.status_code == 200, answer.text
    assert time.monotonic() - started < 2.5
    await harness.settle()

    assert len(failures(caplog)) == 1
    assert [(m["channel"], ON_OUR_SIDE in m["text"]) for m in told] == [(OPERATOR, True)]
    assert harness.stub.count("views.open") == 0


async def test_a_failure_before_the_ack_answers_500_and_is_reported(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="clubos")
    monkeypatch.setattr(harness.runtime.operations, "create", fails_at_once)
    values = {
        "title": {"title": rq.plain_text("Heater broken")},
        "category": {"category": rq.static_select("facilities")},
        "priority": {"priority": rq.static_select("high")},
        "location": {"location": rq.static_select("Dartmouth")},
    }
    answer = await harness.post(rq.view_submission(OPERATOR, ViewId.TICKET_CREATE.value, values))
    assert answer.status_code == 500
    await harness.settle()

    assert len(failures(caplog)) == 1
    [told] = harness.stub.calls("chat.postMessage")
    assert told["channel"] == OPERATOR and ON_OUR_SIDE in told["text"]
    assert await harness.tickets() == []


def test_a_listener_asking_for_what_nobody_provides_is_refused_at_registration() -> None:
    async def listener(ack: Any, draft: TicketDraft) -> None:
        """`draft` is neither a Bolt argument nor a service."""

    with pytest.raises(TypeError, match="draft"):
        answered(listener)


def test_services_never_shadow_what_bolt_passes() -> None:
    assert not SERVICE_NAMES & BOLT_ARGUMENTS
