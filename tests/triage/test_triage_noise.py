"""At most one LLM call a message, none for clear noise: the rules' noise filter, and the
LLM classifier using it through the real `openai` client against the OpenAI stub."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.triage.engine import triage
from bot.triage.llm import LlmClassifier, build_client
from bot.triage.local import build_local
from bot.triage.noise import is_clear_noise
from bot.triage.rules import RulesClassifier
from bot.triage.scoring import load_examples
from bot.triage.types import MAX_TRIAGE_CHARS, Backend, NoiseFilter, TriageInput
from tests.support import openai_stub as ai
from tests.support.openai_stub import OpenAIStub
from tests.triage.helpers import (
    BALLS,
    DEV,
    HEATER,
    HEATER_ANSWER,
    HOLDOUT,
    LOCATIONS,
    TIMEOUT_S,
    VAGUE,
)
from tests.triage.local_support import CachingEmbedder

NOISE = [
    "ty 🙏",
    "hi!",
    "thanks guys, have a good night",
    "hey what time do u close tonight",
    "r u guys open on christmas day",
    "can i book bay 2 for a bday party next saturday?",
    "do you sell gift cards? want to get one for my dad's bday",
    "how much for 2 hrs sat night for 4 ppl",
    "C'est combien pour une heure le samedi soir?",
]
NOT_NOISE = [
    # a problem the rules do not read, in words that say something is wrong
    "the rubber tee holder thing keeps sliding off the edge",
    "hi, the screen in bay 2 looks kind of purple",
    # a visit question with a problem in it
    "what time do you close? the toilet is overflowing",
    "can i get a refund, the projector was dim the whole time",
    # neither small talk nor a visit: the LLM decides
    "my buddy says you guys are the best in town",
]


def test_the_rules_call_only_clear_noise_noise() -> None:
    assert [t for t in NOISE if not is_clear_noise(TriageInput(t, "Bedford"))] == []
    assert [t for t in NOT_NOISE if is_clear_noise(TriageInput(t, "Bedford"))] == []
    # In a thread with an open ticket, a "thanks" may confirm the fix.
    assert not is_clear_noise(TriageInput("thanks!", "Bedford", has_open_ticket=True))
    assert not is_clear_noise(TriageInput("what time do you close? " * 20, "Bedford"))


def test_no_labelled_ticket_or_closure_is_clear_noise() -> None:
    examples = load_examples(DEV) + load_examples(HOLDOUT)
    noise = [e for e in examples if is_clear_noise(e.to_input(LOCATIONS))]
    assert [e.id for e in noise if e.should_ticket or e.suggest_close] == []
    assert len(noise) >= 15  # and it does spare the LLM the plain ones (19 of 80 today)


@pytest.fixture
async def classifier(openai_stub: OpenAIStub) -> AsyncIterator[LlmClassifier]:
    """The LLM classifier as the app builds it, with the rules as fallback and noise filter."""
    rules = RulesClassifier()
    client = build_client(openai_stub.base_url, "x", TIMEOUT_S)
    llm = LlmClassifier(client, "gpt-4o-mini", TIMEOUT_S, rules, noise=rules)
    yield llm
    await llm.aclose()


async def test_clear_noise_makes_no_llm_call(
    classifier: LlmClassifier, openai_stub: OpenAIStub
) -> None:
    openai_stub.set_default(ai.answer(HEATER_ANSWER))  # a ticket, were it asked
    for text in NOISE:
        d = await triage(TriageInput(text, "Bedford"), classifier)
        assert (d.should_ticket, d.decided_by) == (False, Backend.RULES), text
    assert openai_stub.requests == []


async def test_a_problem_makes_exactly_one_llm_call(
    classifier: LlmClassifier, openai_stub: OpenAIStub
) -> None:
    openai_stub.set_default(ai.answer(HEATER_ANSWER))
    for text in [HEATER, *NOT_NOISE]:
        d = await triage(TriageInput(text, "Bedford"), classifier)
        assert d.decided_by is Backend.LLM
    sent = [json.loads(ai.user_text(body))["message"] for body in openai_stub.requests]
    assert sent == [HEATER, *NOT_NOISE]


async def test_the_llm_reads_only_the_start_of_a_huge_message(
    classifier: LlmClassifier, openai_stub: OpenAIStub
) -> None:
    openai_stub.set_default(ai.answer(HEATER_ANSWER))
    text = HEATER + ". " + "we had a great time, lovely staff, good beer. " * 900
    assert len(text) > 40_000
    d = await triage(TriageInput(text, "Bedford"), classifier)
    assert d.should_ticket and d.decided_by is Backend.LLM
    [request] = openai_stub.requests
    sent = json.loads(ai.user_text(request))["message"]
    assert len(sent) <= MAX_TRIAGE_CHARS and text.startswith(sent[:-1])


# Every way the endpoint fails; with client retries, 429 and 5xx (with a 1 ms retry-after)
# and a dropped connection would each be asked again at once.
FAILURES = {
    "http_500": ai.error(500, headers={"retry-after-ms": "1"}),
    "http_429": ai.error(429, headers={"retry-after-ms": "1"}),
    "http_503": ai.error(503, headers={"retry-after-ms": "1"}),
    "disconnect": ai.disconnect(),
    "slow": ai.slow(10.0, then=ai.answer(HEATER_ANSWER)),
    "truncated": ai.truncated(),
    "invalid_json": ai.invalid_json(),
    "wrong_shape": ai.wrong_shape(),
    "refusal": ai.refusal(),
}


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_a_failing_llm_is_asked_once_then_the_rules_decide(
    classifier: LlmClassifier, openai_stub: OpenAIStub, failure: str
) -> None:
    openai_stub.set_default(FAILURES[failure])  # a second ask would fail the same way
    d = await triage(TriageInput(BALLS, "Bedford"), classifier)
    assert (d.should_ticket, d.decided_by, d.title) == (True, Backend.RULES, "No balls in Bay 2")
    assert len(openai_stub.requests) == 1
    assert classifier.client.max_retries == 0


async def test_the_local_classifier_is_a_noise_filter_for_the_llm(
    openai_stub: OpenAIStub, embedder: CachingEmbedder
) -> None:
    # The local backend's own filter (the rules and the model), as the LLM path can use it.
    local = build_local(embedder)
    assert isinstance(local, NoiseFilter) and local.status == "local"
    client = build_client(openai_stub.base_url, "x", TIMEOUT_S)
    llm = LlmClassifier(client, "gpt-4o-mini", TIMEOUT_S, RulesClassifier(), noise=local)
    openai_stub.set_default(ai.answer(HEATER_ANSWER))
    try:
        for text in [*NOISE, HEATER, VAGUE]:
            await triage(TriageInput(text, "Bedford"), llm)
    finally:
        await llm.aclose()
    assert [json.loads(ai.user_text(b))["message"] for b in openai_stub.requests] == [HEATER, VAGUE]
