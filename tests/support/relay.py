"""Customers' messages as the relay bot posts them into a relay channel (Bedford's)."""

from __future__ import annotations

from typing import Any

from standin import slack_requests as rq
from tests.support.app_harness import RELAY


def customer_meta(customer: str) -> dict[str, Any]:
    """The metadata the relay bot gives a customer's message: who the customer is."""
    return {"event_type": "customer_message", "event_payload": {"customer_id": customer}}


def customer_says(
    text: str,
    ts: str,
    thread_ts: str | None = None,
    *,
    customer: str = "cust_1",
    meta: dict[str, Any] | None = None,
    channel: str = RELAY,
) -> rq.SlackRequest:
    """`customer`'s message as the relay bot posts it (in Bedford's relay channel unless
    `channel` says another); `meta` replaces its metadata."""
    return rq.message_event(
        channel,
        text,
        ts=ts,
        thread_ts=thread_ts,
        bot_id="B0RELAY",
        username="Relay",
        subtype="bot_message",
        metadata=customer_meta(customer) if meta is None else meta,
    )
