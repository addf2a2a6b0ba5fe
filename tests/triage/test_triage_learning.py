"""The LLM prompt learns only from tickets operators flagged, within a budget."""

from __future__ import annotations

import json

from bot.tickets.domain import Ticket
from bot.triage.llm import EXAMPLE_BUDGET_CHARS, MAX_EXAMPLES
from tests.support import openai_stub as ai
from tests.support.app_harness import OPERATOR, Harness
from tests.support.openai_stub import OpenAIStub
from tests.support.relay import customer_says
from tests.triage.helpers import T1, T2, VAGUE, create_ticket, learned, llm_answer


async def test_the_prompt_learns_only_from_flagged_tickets(
    llm: Harness, openai_stub: OpenAIStub
) -> None:
    openai_stub.set_default(ai.answer(llm_answer()))
    flagged: list[Ticket] = []
    others: list[str] = []
    for n in range(13):
        if n % 4 == 3:
            others.append(f"unflagged ticket {n}: the vending machine ate my toonie")
            await create_ticket(llm, others[-1], learnable=False, n=n)
        else:
            text = f"flagged example {n}: the side TV in the lounge keeps blinking"
            flagged.append(await create_ticket(llm, text, learnable=True, n=n))
    await llm.settle()

    await llm.post(customer_says(VAGUE, T1))
    await llm.settle()
    newest_first = flagged[::-1]
    examples = learned(openai_stub.last_request)
    assert [text for text, _ in examples] == [t.description for t in newest_first[:MAX_EXAMPLES]]
    for (_, answer), ticket in zip(examples, newest_first, strict=False):
        assert answer["should_ticket"] is True
        assert (answer["category"], answer["priority"], answer["title"], answer["bay"]) == (
            ticket.category.value,
            ticket.priority.value,
            ticket.title,
            ticket.bay,
        )
    prompt = json.dumps(openai_stub.last_request)
    assert not [o for o in others if o in prompt]
    assert newest_first[MAX_EXAMPLES].description not in prompt  # the 9th most recent

    unflagged = newest_first[1]
    await llm.runtime.operations.set_learnable(OPERATOR, unflagged.ticket_id, False)
    await llm.post(customer_says(VAGUE, T2))
    await llm.settle()
    texts = [text for text, _ in learned(openai_stub.last_request)]
    assert unflagged.description not in json.dumps(openai_stub.last_request)
    remaining = [t for t in newest_first if t.ticket_id != unflagged.ticket_id]
    assert texts == [t.description for t in remaining[:MAX_EXAMPLES]]


async def test_learned_examples_stay_within_the_budget(
    llm: Harness, openai_stub: OpenAIStub
) -> None:
    openai_stub.set_default(ai.answer(llm_answer()))
    older = [
        await create_ticket(
            # A fifth of the budget of text each: two fit with their JSON, three do not.
            llm,
            f"long example {n}: " + "the net is torn " * (EXAMPLE_BUDGET_CHARS // 80),
            learnable=True,
            n=n,
        )
        for n in range(4)
    ]
    huge = await create_ticket(
        llm, "huge example: " + "water everywhere " * 500, learnable=True, n=9
    )
    await llm.settle()

    await llm.post(customer_says(VAGUE, T1))
    await llm.settle()
    body = openai_stub.last_request
    texts = [text for text, _ in learned(body)]
    assert huge.description not in texts  # alone larger than the budget: skipped
    assert texts == [older[3].description, older[2].description]  # the newest that fit
    used = sum(len(m["content"]) for m in body["messages"][1:-1])
    assert used <= EXAMPLE_BUDGET_CHARS < used + used // 2  # a third as long: too much
