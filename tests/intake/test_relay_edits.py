"""Edits of relayed messages: before triage the edited text is triaged once, after
triage an edit changes nothing, and during triage the message is triaged again as edited.
Signed Slack events in, the Slack stub out, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from bot.tickets.domain import Category, Priority
from standin.slack_api import SlackStub
from tests.intake.relay_support import (
    T1,
    cards_in_thread,
    customer_edits,
    inbox_row,
    triaged,
)
from tests.support import openai_stub as ai
from tests.support.app_harness import Harness, harness_settings, llm_harness_settings, open_harness
from tests.support.openai_stub import OpenAIStub
from tests.support.relay import customer_says


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


def llm_answer(original: str, edited: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The LLM's answer to either text: a facilities ticket for the bay it names."""

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

    return answer


async def test_an_edit_during_triage_is_triaged_again_as_edited(
    slack_stub: SlackStub, openai_stub: OpenAIStub, db_url: str
) -> None:
    original, edited = "no balls in box 2", "no tees in box 3"
    answer = llm_answer(original, edited)
    openai_stub.set_default(ai.answer(answer))
    openai_stub.queue(ai.slow(0.5, then=ai.answer(answer)))  # the first triage takes a while
    settings = llm_harness_settings(slack_stub, openai_stub.base_url, db_url, 3.0)
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
