"""The LLM classifier: any OpenAI-compatible endpoint through the `openai` client, with
structured output validated by a pydantic model. A timeout, error, refusal or an answer
that does not validate falls back to the rules, and the decision says which decided.

At most one LLM call a message: the client never retries (`build_client`), a failure
falls back instead of asking again, and clear noise (as the `noise` filter, by default the
fallback when it is one, tells it) is decided by the fallback without asking at all."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import openai
import pydantic
from openai import AsyncOpenAI
from pydantic import BaseModel, ConfigDict, Field

import prompts
from bot.tickets.domain import Category, Priority
from bot.triage.types import Backend, Classifier, NoiseFilter, TriageDecision, TriageInput

log = logging.getLogger("clubos.triage")

SYSTEM_PROMPT = "triage_system"
# About 500 tokens of learned examples at most: with the system prompt and the message, the
# prompt stays under 1,500 tokens (bench/llm_prompt.py).
EXAMPLE_BUDGET_CHARS = 2000
MAX_EXAMPLES = 4


class LlmAnswer(BaseModel):
    """The JSON schema the model must answer with (strict: every key, nothing else)."""

    model_config = ConfigDict(extra="forbid")

    should_ticket: bool
    category: Literal["facilities", "tech"] | None
    priority: Literal["low", "medium", "high", "critical"] | None
    title: str = Field(max_length=200)
    description: str = Field(max_length=4000)
    bay: int | None = Field(ge=1, le=99)
    suggest_close: bool
    reason: str = Field(max_length=1000)


@dataclass(frozen=True)
class LearnedExample:
    """A ticket an operator flagged `learnable`: the only thing the prompt learns from. A
    dismissed one (`dismissed`) teaches that such a message needs no ticket."""

    text: str
    category: Category
    priority: Priority
    title: str
    bay: int | None
    dismissed: bool = False


ExampleSource = Callable[[], Awaitable[Sequence[LearnedExample]]]


def _message(inp: TriageInput) -> str:
    # The customer's words travel as a JSON string value: data, never instructions.
    return json.dumps(
        {
            "message": inp.text,
            "channel_location": inp.location,
            "bay_from_relay": inp.bay,
            "earlier_messages_in_thread": list(inp.history[-10:]),
            "thread_has_open_ticket": inp.has_open_ticket,
            "from_operator": inp.from_operator,
        },
        ensure_ascii=False,
    )


def _example_messages(examples: Sequence[LearnedExample]) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = []
    used = 0
    for example in examples[:MAX_EXAMPLES]:
        answer = _example_answer(example).model_dump_json()
        question = _message(TriageInput(text=example.text))
        if used + len(question) + len(answer) > EXAMPLE_BUDGET_CHARS:
            continue  # one long example must not crowd out the shorter ones after it
        used += len(question) + len(answer)
        messages += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
    return messages


def _example_answer(example: LearnedExample) -> LlmAnswer:
    if example.dismissed:
        return LlmAnswer(
            should_ticket=False,
            category=None,
            priority=None,
            title="",
            description="",
            bay=example.bay,
            suggest_close=False,
            reason="An operator dismissed a ticket for this message: not a ticket.",
        )
    return LlmAnswer(
        should_ticket=True,
        category=example.category.value,
        priority=example.priority.value,
        title=example.title,
        description="",
        bay=example.bay,
        suggest_close=False,
        reason="Operator-confirmed example.",
    )


class LlmClassifier:
    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        timeout_s: float,
        fallback: Classifier,
        examples: ExampleSource | None = None,
        *,
        noise: NoiseFilter | None = None,
    ) -> None:
        self.client = client
        self.model = model
        self.timeout_s = timeout_s
        self.fallback = fallback
        self.examples = examples
        # The fallback decides clear noise anyway: when it can tell noise, it filters it.
        if noise is None and isinstance(fallback, NoiseFilter):
            noise = fallback
        self.noise = noise

    async def aclose(self) -> None:
        await self.client.close()

    async def prompt(self, inp: TriageInput) -> list[dict[str, str]]:
        learned = await self.examples() if self.examples is not None else []
        return [
            {"role": "system", "content": prompts.load(SYSTEM_PROMPT)},
            *_example_messages(learned),
            {"role": "user", "content": _message(inp)},
        ]

    async def classify(self, inp: TriageInput) -> TriageDecision:
        if self.noise is not None and await self.noise.is_clear_noise(inp):
            log.info("triage.llm_skipped", extra={"reason": "clear_noise"})
            return await self.fallback.classify(inp)
        # The prompt's examples come from our own database: its wait is not the LLM's, and
        # must not spend the deadline before the request is even sent.
        messages = await self.prompt(inp)
        try:
            answer = await asyncio.wait_for(self._ask(messages), timeout=self.timeout_s)
        except (openai.OpenAIError, pydantic.ValidationError, TimeoutError, ValueError) as exc:
            log.warning("triage.llm_fallback", extra={"reason": type(exc).__name__})
            return await self.fallback.classify(inp)
        if answer is None:
            log.warning("triage.llm_fallback", extra={"reason": "refusal"})
            return await self.fallback.classify(inp)
        return TriageDecision(
            should_ticket=answer.should_ticket,
            category=Category(answer.category) if answer.category else None,
            priority=Priority(answer.priority) if answer.priority else None,
            title=answer.title.strip(),
            description=answer.description.strip() or inp.text,
            location=inp.location,
            bay=answer.bay if answer.bay is not None else inp.bay,
            suggest_close=answer.suggest_close,
            reason=answer.reason.strip(),
            decided_by=Backend.LLM,
        )

    async def _ask(self, messages: list[dict[str, str]]) -> LlmAnswer | None:
        completion = await self.client.chat.completions.parse(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]
            response_format=LlmAnswer,
            temperature=0,
        )
        message = completion.choices[0].message
        return message.parsed


def build_client(base_url: str | None, api_key: str, timeout_s: float) -> AsyncOpenAI:
    # The classifier's own deadline is the one that counts; the client gives up a little
    # later and does not retry, so a slow endpoint costs one timeout, not several.
    return AsyncOpenAI(base_url=base_url, api_key=api_key, timeout=timeout_s + 1, max_retries=0)
