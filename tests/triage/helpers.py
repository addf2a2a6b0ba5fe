"""What the triage tests share: rules decisions and their checks, a scripted classifier,
the relay harness's customer messages and LLM answers, and the `triage` command."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.tickets.domain import Category, Priority, Ticket, TicketDraft
from bot.triage.engine import triage_rules
from bot.triage.llm import LlmAnswer
from bot.triage.training import CORPUS_DIR
from bot.triage.types import Backend, TriageDecision, TriageInput
from storage.inbox import InboxRepository
from tests.support import openai_stub as ai
from tests.support.app_harness import OPERATOR, RELAY, TEST_CONFIG, Harness
from tests.support.cli import run
from tests.support.openai_stub import OpenAIStub
from tests.support.paths import REPO

DEV = CORPUS_DIR / "triage_dev.jsonl"
HOLDOUT = CORPUS_DIR / "triage_holdout.jsonl"
LOCATIONS = ("Bedford", "Dartmouth", "Halifax", "Truro", "River Oaks", "Stratford", "Bayers Lake")
FAC, TECH = Category.FACILITIES, Category.TECH
LOW, MEDIUM, HIGH, CRITICAL = Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.CRITICAL


def decide(text: str, **kwargs: object) -> TriageDecision:
    fields: dict[str, object] = {"location": "Bedford", "known_locations": LOCATIONS}
    fields.update(kwargs)
    return triage_rules(TriageInput(text=text, **fields))  # type: ignore[arg-type]


def assert_ticket(d: TriageDecision, category: Category, priority: Priority) -> None:
    assert d.should_ticket, d.reason
    assert (d.category, d.priority) == (category, priority), d.reason


def assert_no_ticket(d: TriageDecision) -> None:
    assert not d.should_ticket, d.title
    assert (d.category, d.priority, d.title) == (None, None, "")


# --------------------------------------------------------------------------- classifiers


class FakeLLM:
    """A classifier that answers what it is told and records that it was asked."""

    def __init__(self, answer: TriageDecision | None) -> None:
        self.answer = answer
        self.calls = 0

    async def classify(self, inp: TriageInput) -> TriageDecision:
        self.calls += 1
        assert self.answer is not None, "the classifier should not have been called"
        return self.answer


def llm_decision(
    should_ticket: bool, category: Category | None, priority: Priority | None
) -> TriageDecision:
    return TriageDecision(
        should_ticket=should_ticket,
        category=category,
        priority=priority,
        title="LLM title" if should_ticket else "",
        description="",
        location=None,
        bay=None,
        suggest_close=False,
        reason="the LLM said so",
        decided_by=Backend.LLM,
    )


# --------------------------------------------------------------------------- the relay and the LLM


TIMEOUT_S = 1.0
T1 = "1732550000.000100"
T2 = "1732550500.000100"

BALLS = "hey there are no balls in box 2"  # a ticket: facilities, medium, bay 2
HOURS = "what time do you close on sundays?"  # no ticket; clear noise: the LLM is not asked
# No ticket by the rules, and too vague to be clear noise to any noise filter: the LLM is asked.
VAGUE = "bay 4 feels a bit off tonight"
HEATER = "the heater in box 2 is blowing cold air, we're freezing in here"


def llm_answer(**fields: Any) -> dict[str, Any]:
    """A complete answer in the schema the classifier asks for (strict: every key)."""
    base: dict[str, Any] = {
        "should_ticket": False,
        "category": None,
        "priority": None,
        "title": "",
        "description": "",
        "bay": None,
        "suggest_close": False,
        "reason": "Nothing operational reported.",
    }
    return LlmAnswer(**(base | fields)).model_dump()


HEATER_ANSWER = llm_answer(
    should_ticket=True,
    category="facilities",
    priority="high",
    title="Heater in Bay 2 blows cold air",
    description="Customers in Bay 2 report the heater blows cold air; the bay is too cold.",
    bay=2,
    reason="Heating failure makes the bay unusable.",
)


def by_message(answers: dict[str, dict[str, Any]]) -> Callable[[dict[str, Any]], Any]:
    """A stub answer chosen by the customer text in the request's last user message."""

    def choose(body: dict[str, Any]) -> Any:
        return answers[json.loads(ai.user_text(body))["message"]]

    return choose


async def outcome(h: Harness, ts: str) -> dict[str, Any]:
    """What triage decided for the relay message `ts` (the inbox row's result)."""
    async with h.runtime.database.unit_of_work() as session:
        row = await InboxRepository(session).get(f"relay:{RELAY}:{ts}")
    assert row is not None and row.status == "done", row and (row.status, row.last_error)
    assert row.result is not None
    return row.result


async def triaged(h: Harness, ts: str, timeout: float = 5.0) -> None:
    """Wait (without triaging anything itself) until the worker has triaged message `ts`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with h.runtime.database.unit_of_work() as session:
            row = await InboxRepository(session).get(f"relay:{RELAY}:{ts}")
        if row is not None and row.status == "done":
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"message {ts} not triaged within {timeout} s")


async def create_ticket(h: Harness, description: str, *, learnable: bool, n: int) -> Ticket:
    return await h.runtime.operations.create(
        OPERATOR,
        TicketDraft(
            title=f"Example ticket {n}",
            category=Category.TECH if n % 2 else Category.FACILITIES,
            priority=[Priority.LOW, Priority.MEDIUM, Priority.HIGH][n % 3],
            location="Dartmouth",
            description=description,
            bay=n % 6 + 1,
            learnable=learnable,
        ),
    )


def learned(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The learned examples of a recorded request: (customer text, answer) per pair."""
    messages = body["messages"][1:-1]
    assert [m["role"] for m in messages] == ["user", "assistant"] * (len(messages) // 2)
    return [
        (json.loads(q["content"])["message"], json.loads(a["content"]))
        for q, a in zip(messages[::2], messages[1::2], strict=True)
    ]


# --------------------------------------------------------------------------- the CLI


def run_triage_cli(
    *args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`clubos-tickets triage ARGS` in a subprocess, without this environment's Slack,
    OpenAI, database or config settings: only those of `env`."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "OPENAI_", "DATABASE_"))
        and key not in {"CLUBOS_CONFIG", "TRIAGE_BACKEND"}
    }
    clean["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), clean.get("PYTHONPATH")) if p)
    return run(["triage", *args], env=clean | (env or {}), cwd=cwd, stdin=stdin)


def llm_env(stub: OpenAIStub, **more: str) -> dict[str, str]:
    return {
        "TRIAGE_BACKEND": "llm",
        "OPENAI_API_KEY": "x",
        "OPENAI_BASE_URL": stub.base_url,
        "OPENAI_TIMEOUT_S": str(TIMEOUT_S),
        "CLUBOS_CONFIG": str(TEST_CONFIG),
        **more,
    }
