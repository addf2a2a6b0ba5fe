"""Relay triage keeps its promises when things go wrong: edits, restarts, a worker that
died holding a message, a database that refuses, odd relay payloads, and which posts count
as customers' (relay_bot_ids). Signed Slack events in, the Slack stub out, SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from bot.intake.relay_inbox import RELAY_KIND
from bot.intake.worker import MAX_ATTEMPTS
from bot.tickets.domain import Category, Priority
from storage.inbox import CLAIM_EXPIRY, InboxRepository
from storage.models import InboxEventRow, utcnow
from tests.support import openai_stub as ai
from tests.support import slack_requests as rq
from tests.support.app_harness import (
    OPERATOR,
    RELAY,
    TEST_CONFIG,
    Harness,
    harness_settings,
    open_harness,
)
from tests.support.openai_stub import OpenAIStub
from tests.support.slack_stub import BOT_ID, BOT_USER_ID, Call, SlackStub

T1 = "1732550000.000100"
T2 = "1732550500.000100"
T3 = "1732551000.000100"
EDIT_TS = "1732559000.000100"
META = {"event_type": "customer_message", "event_payload": {"customer_id": "cust_1"}}


def customer_says(
    text: str, ts: str, thread_ts: str | None = None, *, meta: dict[str, Any] = META
) -> rq.SlackRequest:
    return rq.message_event(
        RELAY,
        text,
        ts=ts,
        thread_ts=thread_ts,
        bot_id="B0RELAY",
        username="Relay",
        subtype="bot_message",
        metadata=meta,
    )


def customer_edits(ts: str, old: str, new: str) -> rq.SlackRequest:
    """The `message_changed` event Slack sends when the relay edits its message `ts`."""

    def message(text_: str, edited: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B0RELAY",
            "username": "Relay",
            "text": text_,
            "ts": ts,
            "metadata": META,
        }
        if edited:
            body["edited"] = {"user": "B0RELAY", "ts": EDIT_TS}
        return body

    return rq.event_callback(
        {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": RELAY,
            "channel_type": "channel",
            "ts": EDIT_TS,
            "event_ts": EDIT_TS,
            "message": message(new, True),
            "previous_message": message(old, False),
        }
    )


async def inbox_row(h: Harness, ts: str) -> InboxEventRow:
    async with h.runtime.database.unit_of_work() as session:
        row = await InboxRepository(session).get(f"relay:{RELAY}:{ts}")
    assert row is not None, f"message {ts} was not stored"
    return row


async def triaged(h: Harness, ts: str, timeout: float = 5.0) -> InboxEventRow:
    """Wait, without triaging anything itself, until the worker has triaged `ts`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = await inbox_row(h, ts)
        if row.status == "done":
            return row
        await asyncio.sleep(0.02)
    raise AssertionError(f"message {ts} not triaged within {timeout} s")


def cards_in_thread(h: Harness, thread_ts: str) -> list[Call]:
    return [c for c in h.stub.calls("chat.postMessage") if c.get("thread_ts") == thread_ts]


# --------------------------------------------------------------------------- edits


async def test_an_edit_before_triage_is_triaged_once_as_edited(
    slack_stub: SlackStub, db_url: str
) -> None:
    original, edited = "no balls in box 2", "no balls in box 3, sorry, box 3"
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        await h.post(customer_says(original, T1))
        await h.post(customer_edits(T1, original, edited))
        await h.settle()  # now the work is done, once

        [ticket] = await h.tickets()
        assert (ticket.bay, ticket.category, ticket.priority) == (
            3,
            Category.FACILITIES,
            Priority.MEDIUM,
        )
        assert edited in ticket.description and original not in ticket.description
        row = await inbox_row(h, T1)
        assert (row.status, row.attempts, row.payload["text"]) == ("done", 1, edited)
        assert len(cards_in_thread(h, T1)) == 1


async def test_an_edit_after_triage_changes_nothing(harness: Harness) -> None:
    original = "no balls in box 2"
    await harness.post(customer_says(original, T1))
    await harness.settle()
    [before] = await harness.tickets()
    calls = len(harness.stub.calls())
    result = (await inbox_row(harness, T1)).result

    answer = await harness.post(
        customer_edits(T1, original, "no balls in box 2 and the projector in box 1 is dim")
    )
    assert answer.status_code == 200
    await harness.settle()
    assert await harness.tickets() == [before]
    assert len(harness.stub.calls()) == calls, "an edit of a triaged message reached Slack"
    row = await inbox_row(harness, T1)
    assert (row.result, row.payload["text"], row.attempts) == (result, original, 1)


async def test_an_edit_during_triage_is_triaged_again_as_edited(
    slack_stub: SlackStub, openai_stub: OpenAIStub, db_url: str
) -> None:
    original, edited = "no balls in box 2", "no tees in box 3"

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        said = json.loads(ai.user_text(body))["message"]
        return {
            "should_ticket": True,
            "category": "facilities",
            "priority": "medium",
            "title": {original: "No balls in Bay 2", edited: "No tees in Bay 3"}[said],
            "description": f"Customer: {said}",
            "bay": {original: 2, edited: 3}[said],
            "suggest_close": False,
            "reason": "Missing supplies.",
        }

    openai_stub.set_default(ai.answer(answer))
    openai_stub.queue(ai.slow(0.5, then=ai.answer(answer)))  # the first triage takes a while
    settings = harness_settings(
        slack_stub,
        db_url,
        triage_backend="llm",
        openai_api_key=SecretStr("x"),
        openai_base_url=openai_stub.base_url,
        openai_timeout_s=3.0,
    )
    async with open_harness(slack_stub, settings) as h:
        await h.post(customer_says(original, T1))
        deadline = time.monotonic() + 3
        while not openai_stub.requests and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert openai_stub.requests, "the worker never asked the LLM"
        await h.post(customer_edits(T1, original, edited))  # while the LLM thinks
        await triaged(h, T1)
        await h.settle()

        [ticket] = await h.tickets()
        assert (ticket.title, ticket.bay, ticket.decided_by) == ("No tees in Bay 3", 3, "llm")
        asked = [json.loads(ai.user_text(b))["message"] for b in openai_stub.requests]
        assert asked == [original, edited]
        assert len(cards_in_thread(h, T1)) == 1


# --------------------------------------------------------------------------- restarts


async def test_a_message_stored_while_no_worker_runs_is_triaged_after_restart(
    slack_stub: SlackStub, db_url: str
) -> None:
    settings = harness_settings(slack_stub, db_url)
    async with open_harness(slack_stub, settings, start=False) as down:
        answer = await down.post(customer_says("toilet is overflowing in the bathroom", T1))
        assert answer.status_code == 200  # Slack got its 200: the message must not be lost
        row = await inbox_row(down, T1)
        assert (row.status, row.attempts) == ("pending", 0)
        assert await down.tickets() == []
    assert slack_stub.calls("chat.postMessage") == []

    async with open_harness(slack_stub, settings) as up:
        row = await triaged(up, T1)  # the new process's worker, on its own
        await up.settle()
        [ticket] = await up.tickets()
        assert (ticket.category, ticket.priority) == (Category.FACILITIES, Priority.HIGH)
        assert row.attempts == 1
        assert len(cards_in_thread(up, T1)) == 1


async def test_a_message_claimed_by_a_worker_that_died_is_resumed_once(
    slack_stub: SlackStub, db_url: str
) -> None:
    settings = harness_settings(slack_stub, db_url)
    async with open_harness(slack_stub, settings, start=False) as down:
        await down.post(customer_says("toilet is overflowing in the bathroom", T1))
        async with down.runtime.database.unit_of_work() as session:
            [claimed] = await InboxRepository(session).claim_due(RELAY_KIND, 10)  # then died
        # Another worker leaves a fresh claim alone...
        assert await down.runtime.triage_worker.drain() == 0
        async with down.runtime.database.unit_of_work() as session:
            row = await InboxRepository(session).get(claimed.idempotency_key, lock=True)
            assert row is not None and row.status == "processing"
            row.claimed_at = utcnow() - CLAIM_EXPIRY - timedelta(seconds=1)  # ...not a stale one

    async with open_harness(slack_stub, settings) as up:
        row = await triaged(up, T1)
        await up.settle()
        assert len(await up.tickets()) == 1
        assert row.attempts == 2
        assert len(cards_in_thread(up, T1)) == 1


# --------------------------------------------------------------------------- failures


@contextlib.asynccontextmanager
async def tickets_table_missing(h: Harness) -> AsyncIterator[None]:
    """A real database failure for every triage that touches tickets (as in a botched
    migration): the table is not where the code looks for it, until the block ends."""

    async def rename(old: str, new: str) -> None:
        async with h.runtime.database.unit_of_work() as session:
            await session.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))

    await rename("tickets", "tickets_away")
    try:
        yield
    finally:
        await rename("tickets_away", "tickets")


async def test_a_failing_triage_is_retried_later_then_left_failed_with_its_error(
    slack_stub: SlackStub, db_url: str
) -> None:
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        worker = h.runtime.triage_worker

        # A passing outage: retried on later drains (not at once), then triaged once.
        await h.post(customer_says("toilet is overflowing in the bathroom", T1))
        async with tickets_table_missing(h):
            for attempt in (1, 2):
                await worker.drain()
                row = await inbox_row(h, T1)
                assert (row.status, row.attempts) == ("pending", attempt)
                assert row.last_error and "tickets" in row.last_error
        await worker.drain()
        row = await inbox_row(h, T1)
        assert (row.status, row.attempts, row.last_error) == ("done", 3, None)
        assert len(await h.tickets()) == 1

        # A lasting one: after MAX_ATTEMPTS drains it is left failed, with its error.
        await h.post(customer_says("projector in box 1 is really dim", T2))
        async with tickets_table_missing(h):
            for _ in range(MAX_ATTEMPTS + 2):
                await worker.drain()
        await worker.drain()
        row = await inbox_row(h, T2)
        assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
        assert row.last_error and "tickets" in row.last_error
        assert len(await h.tickets()) == 1
        await h.settle()  # nothing left unfinished: a failed message is not pending forever


async def test_odd_relay_payloads_still_make_their_ticket(harness: Harness) -> None:
    # Bay 0 in the relay's metadata, a NUL in the text (PostgreSQL text cannot hold it),
    # a customer id longer than the column: each used to fail the triage on every attempt.
    await harness.post(
        customer_says(
            "no balls here", T1, meta={**META, "event_payload": {"customer_id": "c", "bay": 0}}
        )
    )
    await harness.post(customer_says("the toilet is overflowing\x00 in the bathroom", T2))
    long_id = "customer-" + "9" * 300
    await harness.post(
        customer_says(
            "projector in box 1 is really dim",
            T3,
            meta={**META, "event_payload": {"customer_id": long_id}},
        )
    )
    await harness.settle()
    for ts in (T1, T2, T3):
        row = await inbox_row(harness, ts)
        assert (row.status, row.attempts, row.last_error) == ("done", 1, None)
    tickets = {t.linked_threads[0]: t for t in await harness.tickets()}
    assert len(tickets) == 3
    assert tickets[f"{RELAY}:{T1}"].bay is None
    assert "\x00" not in tickets[f"{RELAY}:{T2}"].description
    assert long_id.startswith(tickets[f"{RELAY}:{T3}"].submitted_by)


# --------------------------------------------------------------------------- who is a customer


@pytest.fixture
async def relay_bots_only(
    slack_stub: SlackStub, db_url: str, tmp_path: Path
) -> AsyncIterator[Harness]:
    """The test club config with relay_bot_ids = ["B0RELAY"]."""
    config = TEST_CONFIG.read_text()
    assert "relay_bot_ids = []" in config
    path = tmp_path / "clubos.toml"
    path.write_text(config.replace("relay_bot_ids = []", 'relay_bot_ids = ["B0RELAY"]'))
    settings = harness_settings(slack_stub, db_url, clubos_config=path)
    async with open_harness(slack_stub, settings) as harness:
        yield harness


async def test_with_relay_bot_ids_only_those_bots_post_for_customers(
    relay_bots_only: Harness,
) -> None:
    h = relay_bots_only
    await h.post(customer_says("no balls in box 2", T1))
    await h.post(
        rq.message_event(RELAY, "toilet is overflowing", ts=T2, bot_id="B0OTHER", username="X")
    )
    await h.post(rq.message_event(RELAY, "the heater is broken in box 1", ts=T3, user="U0CUST"))
    await h.settle()
    [ticket] = await h.tickets()
    assert ticket.linked_threads == (f"{RELAY}:{T1}",)
    for ts in (T2, T3):
        assert (await inbox_row(h, ts)).result == {
            "action": "ignored",
            "ticket_id": None,
            "decided_by": None,
            "reason": "not a customer or operator",
        }

    # Operators still count: one reporting the fix suggests closing, never opens.
    await h.post(
        rq.message_event(
            RELAY, "restocked bay 2, all good", ts="1732550001.000100", thread_ts=T1, user=OPERATOR
        )
    )
    await h.settle()
    [ticket] = await h.tickets()
    result = (await inbox_row(h, "1732550001.000100")).result
    assert result is not None and result["action"] == "suggested_close"
    assert any("ticket_accept_close" in str(c.get("blocks")) for c in cards_in_thread(h, T1))


async def test_without_relay_bot_ids_people_post_for_themselves_but_not_the_bot(
    harness: Harness,
) -> None:
    await harness.post(
        rq.message_event(RELAY, "the heater is broken in box 1", ts=T1, user="U0CUST")
    )
    await harness.post(
        rq.message_event(RELAY, "no balls in box 4", ts=T2, user=BOT_USER_ID, bot_id=BOT_ID)
    )
    await harness.settle()
    [ticket] = await harness.tickets()
    assert ticket.submitted_by == "U0CUST"
    async with harness.runtime.database.unit_of_work() as session:
        assert await InboxRepository(session).get(f"relay:{RELAY}:{T2}") is None
