"""A real `serve` killed with SIGKILL while triage is mid-way, and restarted on the same
database: what the crash-recovery tests share (15 distinct problems, a slow LLM stub,
the checks that every message got one ticket and every card went out once)."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from bot.tickets.service import TicketService
from standin.slack_api import SlackStub
from standin.slack_requests import DEFAULT_SIGNING_SECRET, post_signed
from storage.db import Database
from storage.models import InboxEventRow
from storage.outbox import OutboxRepository
from tests.support.app_harness import RELAY, TEST_CONFIG
from tests.support.cli import cli_env, start_serve
from tests.support.openai_stub import OpenAIStub, answer, slow
from tests.support.openai_stub.messages import user_text
from tests.support.relay import customer_says

DARTMOUTH = "C0RELAYDART"
# Each its own problem and place, so none is a duplicate of another.
PROBLEMS = [
    (RELAY, "the toilet in the mens washroom is overflowing"),
    (RELAY, "bay 1 projector is very dim, can barely see the screen"),
    (RELAY, "there are no golf balls in bay 2"),
    (RELAY, "the hitting mat in bay 3 is torn"),
    (RELAY, "the net in bay 4 has a big hole in it"),
    (RELAY, "the glass on the front window is cracked"),
    (RELAY, "the heat is off, it's freezing in here"),
    (DARTMOUTH, "the turf in bay 1 is peeling up, people trip on it"),
    (DARTMOUTH, "the screen in bay 2 is ripped"),
    (DARTMOUTH, "the club rack in bay 3 fell over and broke"),
    (DARTMOUTH, "water is dripping from the ceiling in bay 4"),
    (DARTMOUTH, "the chair in bay 5 is broken"),
    (DARTMOUTH, "the lights in bay 6 keep flickering"),
    (DARTMOUTH, "no soap in the womens washroom"),
    (DARTMOUTH, "the parking lot lights are out, it's pitch dark"),
]
TRIAGE_DELAY_S = 0.4  # per message: the kill finds rows mid-processing


def timestamps(cycle: int) -> list[str]:
    return [f"17325{cycle:02d}{n:03d}.000100" for n in range(len(PROBLEMS))]


def slow_llm(stub: OpenAIStub) -> None:
    """Every triage waits TRIAGE_DELAY_S, then answers: a medium facilities ticket."""

    def decide(body: dict[str, Any]) -> dict[str, Any]:
        text = user_text(body)
        title = next((p for _, p in PROBLEMS if p in text), "a problem")[:60]
        return {
            "should_ticket": True,
            "category": "facilities",
            "priority": "medium",
            "title": title.capitalize(),
            "description": title,
            "bay": None,
            "suggest_close": False,
            "reason": "a facility problem",
        }

    stub.set_default(slow(TRIAGE_DELAY_S, then=answer(decide)))


def serve_env(slack: SlackStub, llm: OpenAIStub, database_url: str) -> dict[str, str]:
    return cli_env(database_url) | {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": DEFAULT_SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "CLUBOS_CONFIG": str(TEST_CONFIG),
        "TRIAGE_BACKEND": "llm",
        "OPENAI_API_KEY": "x",
        "OPENAI_BASE_URL": llm.base_url,
        "OPENAI_TIMEOUT_S": "8",
    }


class Serve:
    """`serve` processes one after another on one database, output in `log_path`."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd, self.env = cwd, env
        self.log_path = cwd / "serve.log"
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def start(self, timeout: float = 30) -> float:
        """Start one; the monotonic time it was started at. It must answer within
        `timeout` seconds (a loaded machine's cold start takes longer)."""
        started = time.monotonic()
        with self.log_path.open("a") as log:
            self.proc, served = start_serve(self.cwd, self.env, timeout, slack=True, log=log)
        self.base_url = served.base_url
        return started

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no clean-up of any kind
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)


async def send_all(base_url: str, cycle: int) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        for (channel, text), ts in zip(PROBLEMS, timestamps(cycle), strict=True):
            request = customer_says(text, ts, channel=channel)
            answered = await post_signed(http, DEFAULT_SIGNING_SECRET, request)
            assert answered.status_code == 200, answered.text  # acked: it must not be lost


async def statuses(database: Database) -> Counter[str]:
    async with database.unit_of_work() as session:
        return Counter(row.status for row in await session.scalars(select(InboxEventRow)))


async def wait_for(database: Database, done: int, timeout: float) -> float:
    """Seconds until `done` inbox rows are done and the outbox is empty."""
    started = time.monotonic()
    while True:
        counts = await statuses(database)
        async with database.unit_of_work() as session:
            queued = await OutboxRepository(session).pending_count()
        if counts["done"] >= done and not queued:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, (counts, queued)
        await asyncio.sleep(0.1)


async def assert_one_ticket_and_card_each(database: Database, stub: SlackStub) -> None:
    """Each message its own ticket, each of those tickets' cards posted once in its thread
    and once in its routed channel. Other tickets may exist: a problem reported again
    after its ticket was resolved gets a recurrence parent grouping both."""
    async with database.unit_of_work() as session:
        tickets = {t.ticket_id for t in await TicketService(session).list()}
        results = [row.result for row in await session.scalars(select(InboxEventRow))]
    assert {str(r and r["action"]) for r in results} == {"ticket"}
    from_messages = {str(r and r["ticket_id"]) for r in results}
    assert len(from_messages) == len(results)  # none shared, none made twice
    assert from_messages <= tickets
    cards = Counter(
        (block["block_id"], call.get("channel"))
        for call in stub.calls("chat.postMessage")
        for block in call.get("blocks") or []
        if str(block.get("block_id", "")).removeprefix("ticket|") in from_messages
    )
    assert len(cards) == 2 * len(from_messages), cards  # the thread's, the routed channel's
    assert set(cards.values()) == {1}, [c for c, n in cards.items() if n > 1]
