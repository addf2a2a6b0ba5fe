"""Prefill for a ticket made from a message: location from the channel, customer from
the relay, title and category from the rules triage (local and fast, so the modal opens
well inside Slack's 3-second trigger window)."""

from __future__ import annotations

from typing import Any

from bot.club import ClubConfig
from bot.intake.customers import customer_from_message
from bot.tickets.domain import Priority, ThreadRef, TicketDraft
from bot.triage.rules import classify_text
from bot.triage.types import TriageInput, clip

TITLE_FROM_TEXT = 80


def suggest_from_message(
    club: ClubConfig, channel: str, message: dict[str, Any], permalink: str | None = None
) -> TicketDraft:
    text = str(message.get("text") or "")
    relayed = customer_from_message(message, club.slack.customer_regex)
    channel_location = club.location_for_channel(channel)
    location = relayed.location or (channel_location.name if channel_location else None)
    # The classifier alone (no SOP gate): even "sim frozen, reset pls" gets a title.
    decision = classify_text(
        TriageInput(
            text=clip(text),
            location=location,
            bay=relayed.bay,
            known_locations=tuple(loc.name for loc in club.locations),
        )
    )
    known = club.location(decision.location) if decision.location else None
    description = text if permalink is None else f"{text}\n\n{permalink}"
    return TicketDraft(
        title=decision.title or " ".join(text.split())[:TITLE_FROM_TEXT],
        description=description,
        category=decision.category,
        priority=decision.priority or Priority.MEDIUM,
        location=known.name if known else location,
        bay=decision.bay if decision.bay is not None else relayed.bay,
        customer=relayed.customer_id,
        thread=ThreadRef(channel, str(message.get("thread_ts") or message.get("ts"))),
        decided_by=decision.decided_by.value,
    )
