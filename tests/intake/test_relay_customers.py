"""Which relay-channel posts count as customers' (`relay_bot_ids`), and that operators
still count: signed Slack events in, the Slack stub out, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from standin import slack_requests as rq
from standin.slack_api import BOT_ID, BOT_USER_ID, SlackStub
from storage.inbox import InboxRepository
from tests.intake.relay_support import T1, T2, T3, cards_in_thread, inbox_row
from tests.support.app_harness import (
    OPERATOR,
    RELAY,
    TEST_CONFIG,
    Harness,
    harness_settings,
    open_harness,
)
from tests.support.relay import customer_says


@pytest.fixture
async def relay_bots_only(
    slack_stub: SlackStub, db_url: str, tmp_path: Path
) -> AsyncIterator[Harness]:
    """The test club config with relay_bot_ids = ["B0RELAY"]."""
    config = TEST_CONFIG.read_text()
    assert "relay_bot_ids = []" in config
    path = tmp_path / "clubos.toml"
    path.write_text(config.replace("relay_bot_ids = []", 'relay_bot_ids = ["B0RELAY"]'))
    settings = harness_settings(slack_stub, db_url, clubos_config=path)
    async with open_harness(slack_stub, settings) as harness:
        yield harness


async def test_with_relay_bot_ids_only_those_bots_post_for_customers(
    relay_bots_only: Harness,
) -> None:
    h = relay_bots_only
    await h.post(customer_says("no balls in box 2", T1))
    await h.post(
        rq.message_event(RELAY, "toilet is overflowing", ts=T2, bot_id="B0OTHER", username="X")
    )
    await h.post(rq.message_event(RELAY, "the heater is broken in box 1", ts=T3, user="U0CUST"))
    await h.settle()
    [ticket] = await h.tickets()
    assert ticket.linked_threads == (f"{RELAY}:{T1}",)
    for ts in (T2, T3):
        assert (await inbox_row(h, ts)).result == {
            "action": "ignored",
            "ticket_id": None,
            "decided_by": None,
            "reason": "not a customer or operator",
        }

    # Operators still count: one reporting the fix suggests closing, never opens.
    await h.post(
        rq.message_event(
            RELAY, "restocked bay 2, all good", ts="1732550001.000100", thread_ts=T1, user=OPERATOR
        )
    )
    await h.settle()
    [ticket] = await h.tickets()
    result = (await inbox_row(h, "1732550001.000100")).result
    assert result is not None and result["action"] == "suggested_close"
    assert any("ticket_accept_close" in str(c.get("blocks")) for c in cards_in_thread(h, T1))


async def test_without_relay_bot_ids_people_post_for_themselves_but_not_the_bot(
    harness: Harness,
) -> None:
    await harness.post(
        rq.message_event(RELAY, "the heater is broken in box 1", ts=T1, user="U0CUST")
    )
    await harness.post(
        rq.message_event(RELAY, "no balls in box 4", ts=T2, user=BOT_USER_ID, bot_id=BOT_ID)
    )
    await harness.settle()
    [ticket] = await harness.tickets()
    assert ticket.submitted_by == "U0CUST"
    async with harness.runtime.database.unit_of_work() as session:
        assert await InboxRepository(session).get(f"relay:{RELAY}:{T2}") is None
