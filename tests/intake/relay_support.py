"""What the relay tests share: customer messages, and the relay's edits of them, as Slack
sends them through the relay bot; the inbox rows and thread cards the tests watch."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from standin import slack_requests as rq
from standin.slack_api import Call
from storage.inbox import InboxRepository
from storage.models import InboxEventRow
from tests.support.app_harness import RELAY, Harness
from tests.support.relay import customer_meta

T1 = "1732550000.000100"
T2 = "1732550500.000100"
T3 = "1732551000.000100"
EDIT_TS = "1732559000.000100"


META = customer_meta("cust_1")


def customer_edits(ts: str, old: str, new: str) -> rq.SlackRequest:
    """The `message_changed` event Slack sends when the relay edits its message `ts`."""

    def message(text_: str, edited: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B0RELAY",
            "username": "Relay",
            "text": text_,
            "ts": ts,
            "metadata": META,
        }
        if edited:
            body["edited"] = {"user": "B0RELAY", "ts": EDIT_TS}
        return body

    return rq.event_callback(
        {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": RELAY,
            "channel_type": "channel",
            "ts": EDIT_TS,
            "event_ts": EDIT_TS,
            "message": message(new, True),
            "previous_message": message(old, False),
        }
    )


async def inbox_row(h: Harness, ts: str) -> InboxEventRow:
    async with h.runtime.database.unit_of_work() as session:
        row = await InboxRepository(session).get(f"relay:{RELAY}:{ts}")
    assert row is not None, f"message {ts} was not stored"
    return row


async def triaged(h: Harness, ts: str, timeout: float = 5.0) -> InboxEventRow:
    """Wait, without triaging anything itself, until the worker has triaged `ts`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = await inbox_row(h, ts)
        if row.status == "done":
            return row
        await asyncio.sleep(0.02)
    raise AssertionError(f"message {ts} not triaged within {timeout} s")


def cards_in_thread(h: Harness, thread_ts: str) -> list[Call]:
    return [c for c in h.stub.calls("chat.postMessage") if c.get("thread_ts") == thread_ts]
