"""Two drains of one sender overlap (the loop's and one a commit woke): a notice that one
drain put back after a failed attempt and the other took up when it came due is still that
other drain's until it is done, even once the first drain finishes. Before, the first
drain's end released it, and a third drain took it for an orphan and posted it beside the
second: the card twice (found by the slow Slack fault suite on PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.tickets.domain import Category, Priority, TicketDraft
from standin.slack_api import SlackStub
from storage.models import OutboxMessageRow
from tests.handlers.helpers.cards import outbox_rows
from tests.support.app_harness import OPERATOR, Harness, harness_settings, open_harness

POST = "chat.postMessage"


def draft(title: str) -> TicketDraft:
    return TicketDraft(
        title=title, category=Category.TECH, priority=Priority.HIGH, location="Bedford"
    )


async def calls_reach(stub: SlackStub, method: str, count: int) -> None:
    async with asyncio.timeout(10):
        while stub.count(method) < count:
            await asyncio.sleep(0.01)


async def due_now(h: Harness, row_id: int) -> None:
    async with h.runtime.database.unit_of_work() as session:
        await session.execute(
            update(OutboxMessageRow)
            .where(OutboxMessageRow.id == row_id)
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def test_a_notice_taken_up_by_a_second_drain_is_not_posted_again_by_a_third(
    slack_stub: SlackStub, db_url: str
) -> None:
    settings = harness_settings(slack_stub, db_url, slack_timeout_s=20)
    async with open_harness(slack_stub, settings, start=False) as h:
        await h.runtime.operations.create(OPERATOR, draft("Bay 1 projector offline"))
        await h.runtime.operations.create(OPERATOR, draft("Bay 2 projector offline"))
        first, second = sorted(await outbox_rows(h), key=lambda row: row.id)
        sender = h.runtime.sender
        slack_stub.fail_next(POST, "internal_error")  # the first card's first attempt
        slack_stub.slow_next(POST, 2)  # the second card: drain A is busy
        slack_stub.slow_next(POST, 4)  # the first card's second attempt: drain B is busy
        drain_a = asyncio.create_task(sender.drain(batch=1))
        await calls_reach(slack_stub, POST, 2)  # A failed the first card, is on the second
        await due_now(h, first.id)
        drain_b = asyncio.create_task(sender.drain(batch=1))
        await calls_reach(slack_stub, POST, 3)  # B looked for it, found none, is posting
        assert await drain_a == 1 + 1
        assert await sender.drain(batch=1) == 0  # drain C: nothing is due or orphaned
        assert await drain_b == 1
        rows = {row.id: row for row in await outbox_rows(h)}
    assert (rows[first.id].status, rows[second.id].status) == ("sent", "sent")
    cards = [m for m in slack_stub.messages(first.payload["channel"]) if "Bay 1" in m["text"]]
    assert len(cards) == 1
