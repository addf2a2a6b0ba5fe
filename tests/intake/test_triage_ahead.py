"""A claimed batch is decided ahead and acted on in order (bot.intake.ahead): while one
message waits on the LLM, the next conversation's message is being decided too, yet the
tickets are opened in the order the messages came; messages of one conversation are
decided one after another, each seeing what the one before it did."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import pytest

from bot.intake.ahead import in_order_ahead
from bot.intake.problems import ticket_text
from standin.slack_api import SlackStub
from tests.support import openai_stub as ai
from tests.support.app_harness import RELAY, harness_settings, llm_harness_settings, open_harness
from tests.support.openai_stub import OpenAIStub
from tests.support.relay import customer_says

Item = TypeVar("Item")

THINK_S = 0.3
THREAD = "1732550300.000100"
PROBLEMS = [
    "the hitting mat in bay 1 is torn",
    "the projector in bay 2 is very dim",
    "the net in bay 3 has a big hole",
    "the screen in bay 4 is ripped",
]


async def batches(*each: list[Item]) -> AsyncIterator[list[Item]]:
    for batch in each:
        yield batch


class ThinkingLLM:
    """The LLM's answer (a ticket titled after the message), after THINK_S of thought,
    counting how many questions it was thinking about at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thinking = 0
        self.most_at_once = 0

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        said = json.loads(ai.user_text(body))["message"]
        with self._lock:
            self._thinking += 1
            self.most_at_once = max(self.most_at_once, self._thinking)
        time.sleep(THINK_S)
        with self._lock:
            self._thinking -= 1
        return {
            "should_ticket": True,
            "category": "facilities",
            "priority": "medium",
            "title": said.capitalize(),
            "description": f"Customer: {said}",
            "bay": None,
            "suggest_close": False,
            "reason": "Worn equipment.",
        }


async def triaged_with_llm(
    slack_stub: SlackStub, openai_stub: OpenAIStub, db_url: str, messages: list[Any]
) -> list[tuple[str, str]]:
    """The messages stored, then triaged in one drain: each ticket's id and thread."""
    settings = llm_harness_settings(slack_stub, openai_stub.base_url, db_url, 5.0)
    async with open_harness(slack_stub, settings, start=False) as h:
        for message in messages:
            await h.post(message)
        assert await h.runtime.triage_worker.drain() == len(messages)
        return [(t.ticket_id, t.linked_threads[0]) for t in await h.tickets()]


async def test_other_conversations_are_decided_meanwhile_and_ticketed_in_order(
    slack_stub: SlackStub, openai_stub: OpenAIStub, db_url: str
) -> None:
    llm = ThinkingLLM()
    openai_stub.set_default(ai.answer(llm))
    threads = [f"17325501{n:02d}.000100" for n in range(len(PROBLEMS))]
    messages = [
        customer_says(text, ts, customer=f"cust_{n}")
        for n, (text, ts) in enumerate(zip(PROBLEMS, threads, strict=True))
    ]
    tickets = await triaged_with_llm(slack_stub, openai_stub, db_url, messages)
    assert llm.most_at_once > 1
    assert sorted(tickets, key=lambda t: int(t[0][2:])) == [
        (f"T-{n + 1}", f"{RELAY}:{ts}") for n, ts in enumerate(threads)
    ]


async def test_one_conversations_messages_are_decided_one_after_another(
    slack_stub: SlackStub, openai_stub: OpenAIStub, db_url: str
) -> None:
    llm = ThinkingLLM()
    openai_stub.set_default(ai.answer(llm))
    root = "1732550200.000100"
    messages = [customer_says(PROBLEMS[0], root)] + [
        customer_says(text, f"17325502{n:02d}.000100", thread_ts=root)
        for n, text in enumerate(PROBLEMS[1:3], start=1)
    ]
    await triaged_with_llm(slack_stub, openai_stub, db_url, messages)
    assert llm.most_at_once == 1


async def test_acts_follow_the_batch_order_and_a_failure_stops_only_its_own_item() -> None:
    decided_at: dict[int, float] = {}
    acted: list[int] = []
    failures: list[int] = []

    async def decide(item: int) -> int:
        if item == 2:
            raise ValueError("unreadable")
        await asyncio.sleep(0.01 * (5 - item))  # later items are decided sooner
        decided_at[item] = time.monotonic()
        return item

    async def act(item: int) -> None:
        acted.append(item)

    await in_order_ahead(
        batches([0, 1, 2], [3, 4]),
        lambda item: item,
        decide,
        act,
        lambda item, _: failures.append(item),
    )
    assert acted == [0, 1, 3, 4]
    assert failures == [2]
    assert decided_at[4] < decided_at[0]  # decided ahead, acted on in turn


async def test_an_item_is_decided_only_after_the_one_before_it_in_its_lane_is_done() -> None:
    log: list[str] = []

    async def decide(item: str) -> str:
        log.append(f"decide {item}")
        await asyncio.sleep(0.01)
        return item

    async def act(item: str) -> None:
        await asyncio.sleep(0.01)
        log.append(f"act {item}")

    await in_order_ahead(batches(["a1", "b1", "a2"]), lambda item: item[0], decide, act, print)
    assert log.index("decide a2") > log.index("act a1")
    assert log.index("decide b1") < log.index("act a1")


async def test_the_next_batch_is_decided_while_the_last_items_of_one_are_acted_on() -> None:
    """Taken only once a batch is done, each batch would start with no act ready; and no
    more than the backlog's worth is taken ahead of the acts."""
    log: list[str] = []
    most_waiting = 0
    waiting = 0

    async def counted(*each: list[int]) -> AsyncIterator[list[int]]:
        nonlocal waiting, most_waiting
        async for batch in batches(*each):
            waiting += len(batch)
            most_waiting = max(most_waiting, waiting)
            yield batch

    async def decide(item: int) -> int:
        log.append(f"decide {item}")
        return item

    async def act(item: int) -> None:
        nonlocal waiting
        await asyncio.sleep(0.01)
        log.append(f"act {item}")
        waiting -= 1

    first, second, third = list(range(6)), list(range(6, 12)), list(range(12, 18))
    await in_order_ahead(counted(first, second, third), lambda i: i, decide, act, print, 2, 3)
    assert [entry for entry in log if entry.startswith("act")] == [f"act {i}" for i in range(18)]
    assert log.index("decide 6") < log.index("act 5")
    assert log.index("decide 6") > log.index("act 2")  # taken when 3 were left: 3, 4, 5
    assert most_waiting <= 6 + 3


async def test_an_error_beyond_an_item_stops_the_batch_with_nothing_left_running() -> None:
    acted: list[int] = []

    async def decide(item: int) -> int:
        if item == 0:
            raise ValueError("unreadable")
        await asyncio.sleep(0.05)
        return item

    async def act(item: int) -> None:
        acted.append(item)

    def failed(_item: int, _exc: Exception) -> None:
        raise RuntimeError("the failure could not be recorded")

    with pytest.raises(ExceptionGroup):
        await in_order_ahead(batches([0, 1, 2]), lambda item: item, decide, act, failed)
    await asyncio.sleep(0.1)
    assert acted == []


async def test_a_new_tickets_text_is_embedded_before_the_next_message_is_acted_on(
    slack_stub: SlackStub, db_url: str
) -> None:
    """Reports decided before a ticket existed find its vector kept when they are acted
    on: dedup under the write lock has nothing to embed."""
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        await h.post(customer_says("the toilet in the mens room is overflowing", THREAD))
        await h.runtime.triage_worker.drain()
        [ticket] = await h.tickets()
        kept = h.runtime.triage_worker.relay.meanings._cache
    assert ticket_text(ticket) in kept
