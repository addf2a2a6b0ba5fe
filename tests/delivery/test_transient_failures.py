"""Slack trouble loses no card: a notice that meets 429s, 5xx or Slack's `internal_error`
past its attempts keeps being retried (for a day), while a failure Slack gives no reason to
retry, or one older than that day, still gives up after MAX_ATTEMPTS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.tickets.domain import Category, Priority, TicketDraft
from delivery.retries import MAX_ATTEMPTS, TRANSIENT_WINDOW
from standin.slack_api import SlackStub
from storage.models import OutboxMessageRow
from tests.handlers.helpers.cards import outbox_rows
from tests.support.app_harness import OPERATOR, harness_settings, open_harness

DRAFT = TicketDraft(
    title="Bay 2 projector offline",
    category=Category.TECH,
    priority=Priority.HIGH,
    location="Bedford",
)
HOUR = timedelta(hours=1)


def unavailable(stub: SlackStub) -> None:
    stub.server_error_next("chat.postMessage", status=503, error="service_unavailable")


def internal_error(stub: SlackStub) -> None:
    stub.fail_next("chat.postMessage", "internal_error")  # HTTP 200, ok: false


def rate_limited(stub: SlackStub) -> None:
    stub.rate_limit_next("chat.postMessage", retry_after=0, times=5)  # past the client's retries


def unknown_error(stub: SlackStub) -> None:
    stub.fail_next("chat.postMessage", "some_unknown_error")


@pytest.mark.parametrize(
    ("fault", "age", "outcome"),
    [
        (unavailable, HOUR, "pending"),
        (internal_error, HOUR, "pending"),
        (rate_limited, HOUR, "pending"),
        (unavailable, TRANSIENT_WINDOW + HOUR, "dead"),
        (unknown_error, HOUR, "dead"),
    ],
)
async def test_a_notice_past_its_attempts_is_retried_only_for_slack_trouble(
    slack_stub: SlackStub,
    db_url: str,
    fault: Callable[[SlackStub], None],
    age: timedelta,
    outcome: str,
) -> None:
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        await h.runtime.operations.create(OPERATOR, DRAFT)
        async with h.runtime.database.unit_of_work() as session:  # its last counted attempt
            await session.execute(
                update(OutboxMessageRow).values(
                    attempts=MAX_ATTEMPTS - 1, created_at=datetime.now(UTC) - age
                )
            )
        fault(slack_stub)
        await h.runtime.sender.drain()
        [row] = await outbox_rows(h)
    assert (row.method, row.attempts, row.status) == ("card.post", MAX_ATTEMPTS, outcome)
    if outcome == "pending":
        assert row.next_attempt_at > datetime.now(UTC)
