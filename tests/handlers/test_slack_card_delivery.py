"""Card updates and thread replies that Slack refuses at first: retried by the outbox
until they land."""

from __future__ import annotations

import asyncio

from slackui.ids import Action
from standin import slack_requests as rq
from tests.handlers.helpers.cards import (
    act,
    both_copies,
    click,
    create_ticket,
    outbox_rows,
    outbox_states,
    thread_card,
    thread_replies,
    updated_copies,
)
from tests.handlers.helpers.surfaces import THREAD_TS
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, RELAY, Harness


async def test_a_rate_limited_card_update_is_retried_and_lands(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    harness.stub.rate_limit_next("chat.update", retry_after=1)

    await act(harness, OPERATOR, thread_card(harness), Action.ASSIGN.value, user=OPERATOR)

    updates = harness.stub.calls("chat.update")
    assert [c.status for c in updates] == [429, 200, 200]
    assert (updates[0]["channel"], updates[0]["ts"]) == (updates[1]["channel"], updates[1]["ts"])
    assert updated_copies(harness) == both_copies(harness)
    assert (await harness.ticket(ticket_id)).assigned_to == OPERATOR
    assert await outbox_states(harness) == {"sent"}


async def test_a_failed_thread_reply_is_retried_later_by_the_outbox(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    harness.stub.fail_next("chat.postMessage", "internal_error")

    answer = await harness.post(
        rq.block_actions(
            OPERATOR,
            [click(thread_card(harness), Action.ASSIGN.value, user=OTHER_OPERATOR)],
            channel=RELAY,
            message=thread_card(harness).message,
            response_url=harness.stub.response_url(),
        )
    )
    assert answer.status_code == 200
    failed = await harness.stub.wait_for(
        "chat.postMessage",
        predicate=lambda c: c.response == {"ok": False, "error": "internal_error"},
    )
    assert failed[0]["thread_ts"] == THREAD_TS
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2
    while True:  # the sender records the failure right after Slack's answer
        [reply_row] = [r for r in await outbox_rows(harness) if r.method == "thread.reply"]
        if reply_row.last_error or loop.time() > deadline:
            break
        await asyncio.sleep(0.02)
    assert (reply_row.status, reply_row.attempts, reply_row.last_error) == (
        "pending",
        1,
        "internal_error",
    )
    assert thread_replies(harness) == []

    await harness.settle(timeout=6)  # due again 2 s later; then delivered

    [reply_row] = [r for r in await outbox_rows(harness) if r.method == "thread.reply"]
    assert (reply_row.status, reply_row.attempts) == ("sent", 2)
    [reply] = thread_replies(harness)
    assert f"assigned it to <@{OTHER_OPERATOR}>" in reply and ticket_id in reply
    assert updated_copies(harness) == both_copies(harness)
