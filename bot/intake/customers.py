"""Who a relayed customer message is from: message metadata first, then the configured
relay pattern on the username or text, else the Slack user who posted it.

Metadata is read leniently: whatever it holds (a string, a list, a dict where a string
belongs), a customer is taken only from a well-formed one; otherwise the customer is
unknown and the message is still triaged on its text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ValidationError

CUSTOMER_EVENT_TYPE = "customer_message"
CUSTOMER_ID_MAX = 128  # the longest customer id a ticket keeps (`submitted_by`)


def _plain(value: Any) -> str | None:
    """A string (or number) as text, cut to what a ticket keeps; anything else (a dict, a
    list, a bool) as unknown, never as Python's repr."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).replace("\x00", "").strip()
    return text[:CUSTOMER_ID_MAX] or None


def _bay(value: Any) -> int | None:
    text = _plain(value)
    return int(text) if text and text.isascii() and text.isdigit() and len(text) <= 4 else None


Plain = Annotated[str | None, BeforeValidator(_plain)]
Bay = Annotated[int | None, BeforeValidator(_bay)]


class CustomerPayload(BaseModel):
    customer_id: Plain = None
    location: Plain = None
    bay: Bay = None


class CustomerMetadata(BaseModel):
    event_type: str
    event_payload: CustomerPayload = CustomerPayload()


@dataclass(frozen=True)
class RelayedCustomer:
    customer_id: str | None
    location: str | None = None
    bay: int | None = None


def _from_metadata(metadata: Any) -> RelayedCustomer | None:
    try:
        meta = CustomerMetadata.model_validate(metadata)
    except ValidationError:
        return None
    if meta.event_type != CUSTOMER_EVENT_TYPE:
        return None
    payload = meta.event_payload
    return RelayedCustomer(payload.customer_id, payload.location, payload.bay)


def customer_from_message(
    message: dict[str, Any], pattern: re.Pattern[str] | None
) -> RelayedCustomer:
    from_metadata = _from_metadata(message.get("metadata"))
    if from_metadata is not None:
        return from_metadata
    if pattern is not None:
        for text in (message.get("username"), message.get("text")):
            match = pattern.search(text if isinstance(text, str) else "")
            if match and match.groupdict().get("customer"):
                return RelayedCustomer(customer_id=_plain(match.group("customer")))
    return RelayedCustomer(customer_id=_plain(message.get("user")))
