"""The LLM side of relay triage, end to end: signed Slack events, the inbox, the real
`openai` client against the OpenAI stub, the policy, tickets on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import time

import pytest

import prompts
from bot.tickets.domain import Category, Priority
from bot.triage.engine import TriageInput, triage, triage_rules
from bot.triage.llm import LlmAnswer
from bot.triage.local import load_local
from tests.support import openai_stub as ai
from tests.support.app_harness import Harness
from tests.support.openai_stub import OpenAIStub
from tests.support.relay import customer_says
from tests.triage.helpers import (
    BALLS,
    HEATER,
    HEATER_ANSWER,
    HOURS,
    T1,
    T2,
    TIMEOUT_S,
    VAGUE,
    by_message,
    llm_answer,
    outcome,
    triaged,
)

# --------------------------------------------------------------------------- answering well


async def test_a_good_llm_answer_makes_the_ticket(llm: Harness, openai_stub: OpenAIStub) -> None:
    no_ticket = llm_answer(reason="Nothing specific reported.")
    openai_stub.set_default(ai.answer(by_message({HEATER: HEATER_ANSWER, VAGUE: no_ticket})))
    await llm.post(customer_says(HEATER, T1))
    await llm.post(customer_says(VAGUE, T2))
    await llm.settle()

    [ticket] = await llm.tickets()
    assert ticket.decided_by == "llm"
    assert (ticket.category, ticket.priority, ticket.bay, ticket.location) == (
        Category.FACILITIES,
        Priority.HIGH,
        2,
        "Bedford",
    )
    assert ticket.title == "Heater in Bay 2 blows cold air"
    assert ticket.description == HEATER_ANSWER["description"]
    rules = triage_rules(TriageInput(text=HEATER, location="Bedford"))
    assert rules.title != ticket.title, "the rules would have said the same: proves nothing"
    assert (await outcome(llm, T2)) | {"reason": ""} == {
        "action": "none",
        "ticket_id": None,
        "decided_by": "llm",
        "reason": "",
    }

    assert len(openai_stub.requests) == 2
    heater = next(b for b in openai_stub.requests if HEATER in ai.user_text(b))
    assert heater["model"] == "gpt-4o-mini"
    [system, user] = heater["messages"]  # no learned examples yet
    assert system["role"] == "system" and user["role"] == "user"
    assert system["content"] == prompts.load("triage_system")
    assert HEATER not in system["content"]
    data = json.loads(user["content"])  # the customer's words travel as JSON data
    assert data["message"] == HEATER and data["channel_location"] == "Bedford"
    assert data["from_operator"] is False and data["thread_has_open_ticket"] is False
    schema = heater["response_format"]
    assert schema["type"] == "json_schema" and schema["json_schema"]["strict"] is True
    assert set(schema["json_schema"]["schema"]["properties"]) == set(LlmAnswer.model_fields)


async def test_a_first_reset_request_never_reaches_the_llm(
    llm: Harness, openai_stub: OpenAIStub
) -> None:
    openai_stub.set_default(ai.injection(description="", bay=3, suggest_close=False))
    await llm.post(customer_says("sim frozen in bay 3 pls reset", T1))
    await llm.settle()
    assert await llm.tickets() == []
    assert (await outcome(llm, T1))["decided_by"] == "rules"  # the SOP gate answered
    assert openai_stub.requests == []


async def test_clear_noise_never_reaches_the_llm(llm: Harness, openai_stub: OpenAIStub) -> None:
    openai_stub.set_default(ai.answer(HEATER_ANSWER))  # a ticket, were it asked
    await llm.post(customer_says(HOURS, T1))
    await llm.post(customer_says("ty \U0001f64f", T2))
    await llm.settle()
    assert await llm.tickets() == []
    for ts in (T1, T2):
        result = await outcome(llm, ts)
        assert (result["action"], result["decided_by"]) == ("none", "local")
    assert openai_stub.requests == []


# --------------------------------------------------------------------------- failing


FAILURES = {
    "slow": ai.slow(10.0, then=ai.answer(HEATER_ANSWER)),
    "http_500": ai.error(500),
    "invalid_json": ai.invalid_json(),
    "wrong_shape": ai.wrong_shape(),
    "refusal": ai.refusal(),
}


# Why the classifier fell back, as it logs it: the classifier's own deadline raises
# TimeoutError (the client's later one would be openai's APITimeoutError).
FALLBACK_REASONS = {
    "slow": "TimeoutError",
    "http_500": "InternalServerError",
    "invalid_json": "ValidationError",
    "wrong_shape": "ValidationError",
    "refusal": "refusal",
}


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_a_failing_llm_falls_back_to_the_local_backend(
    llm: Harness, openai_stub: OpenAIStub, failure: str, caplog: pytest.LogCaptureFixture
) -> None:
    openai_stub.set_default(FAILURES[failure])
    caplog.set_level(logging.WARNING, logger="clubos.triage")
    costs = []
    for text, ts in ((BALLS, T1), (VAGUE, T2)):
        started = time.monotonic()
        await llm.post(customer_says(text, ts))
        await triaged(llm, ts)
        costs.append(time.monotonic() - started)
    await llm.settle()

    ticket = next(t for t in await llm.tickets() if t.bay == 2)
    assert ticket.decided_by == "local"
    assert (ticket.category, ticket.priority, ticket.title) == (
        Category.FACILITIES,
        Priority.MEDIUM,
        "No balls in Bay 2",
    )
    # The vague message gets exactly what the local backend decides on its own.
    alone = await triage(TriageInput(text=VAGUE, location="Bedford"), load_local())
    vague = await outcome(llm, T2)
    assert vague["decided_by"] == "local"
    assert (vague["action"] != "none") == alone.should_ticket, (vague, alone)
    assert len(openai_stub.requests) == 2, "the LLM was asked about both messages"
    assert fallback_reasons(caplog) == [FALLBACK_REASONS[failure]] * 2
    if failure == "slow":
        # Each message waits out the classifier's deadline, never the stub's 10 s.
        assert all(TIMEOUT_S * 0.95 <= cost < 5.0 for cost in costs), costs


def fallback_reasons(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        str(getattr(record, "reason", ""))
        for record in caplog.records
        if record.getMessage() == "triage.llm_fallback"
    ]
