"""Who a relayed customer message is from: message metadata first, then the configured
relay pattern on the username or text, else the Slack user who posted it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

CUSTOMER_EVENT_TYPE = "customer_message"


@dataclass(frozen=True)
class RelayedCustomer:
    customer_id: str | None
    location: str | None = None
    bay: int | None = None


def customer_from_message(
    message: dict[str, Any], pattern: re.Pattern[str] | None
) -> RelayedCustomer:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") == CUSTOMER_EVENT_TYPE:
        payload = metadata.get("event_payload") or {}
        bay = payload.get("bay")
        return RelayedCustomer(
            customer_id=str(payload["customer_id"]) if payload.get("customer_id") else None,
            location=str(payload["location"]) if payload.get("location") else None,
            bay=int(bay) if isinstance(bay, int | str) and str(bay).isdigit() else None,
        )
    if pattern is not None:
        for text in (message.get("username"), message.get("text")):
            match = pattern.search(text or "")
            if match and match.groupdict().get("customer"):
                return RelayedCustomer(customer_id=match.group("customer"))
    user = message.get("user")
    return RelayedCustomer(customer_id=str(user) if user else None)
