"""The triage interface: what a classifier is given and what it decides."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol, runtime_checkable

from bot.tickets.domain import Category, Priority


@dataclass(frozen=True)
class TriageInput:
    """One message to triage, with what is known about its thread."""

    text: str
    location: str | None = None
    bay: int | None = None
    history: tuple[str, ...] = ()  # earlier messages in the same thread, oldest first
    has_open_ticket: bool = False  # the thread already has an open ticket
    from_operator: bool = False  # operators' messages never open tickets, but can confirm fixes
    # configured location names (for "about another location")
    known_locations: tuple[str, ...] = ()


#: Triage reads at most this much of a message, and of each of the last `MAX_HISTORY`
#: messages of its thread: a report says what is wrong in its first lines, and a huge paste
#: must cost no more than a long report (the full text stays in the inbox and in Slack).
MAX_TRIAGE_CHARS = 4000
MAX_HISTORY = 20


def clip(text: str, limit: int = MAX_TRIAGE_CHARS) -> str:
    """`text` when it fits in `limit` characters; else its start, cut at a space near the
    limit when there is one, and an ellipsis that says so."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ", max(0, limit - 100))
    return (cut[:space] if space > 0 else cut).rstrip() + "\u2026"


def bounded(inp: TriageInput) -> TriageInput:
    """`inp` as triage reads it: the message and its recent thread, each clipped."""
    history = tuple(clip(text) for text in inp.history[-MAX_HISTORY:])
    if len(inp.text) <= MAX_TRIAGE_CHARS and history == inp.history:
        return inp
    return replace(inp, text=clip(inp.text), history=history)


class Backend(StrEnum):
    RULES = "rules"
    LLM = "llm"
    LOCAL = "local"  # the rules and the embedded semantic model together


@dataclass(frozen=True)
class TriageDecision:
    should_ticket: bool
    category: Category | None
    priority: Priority | None
    title: str  # short, operator-friendly, e.g. "No balls in Bay 2"; "" when no ticket
    description: str
    location: str | None  # where the problem is (may differ from the channel's location)
    bay: int | None
    suggest_close: bool
    reason: str  # one sentence why
    decided_by: Backend
    # The corpus's critical report this one reads like (`bot.triage.precedents`): evidence
    # for `critical` the policy accepts; only the local classifier sets it, never an LLM.
    critical_precedent: str | None = None


class Classifier(Protocol):
    async def classify(self, inp: TriageInput) -> TriageDecision: ...


@runtime_checkable
class NoiseFilter(Protocol):
    """Says, before an LLM is asked, that a message is clearly no problem report
    (greetings, thanks, a booking or hours question); when unsure, False. Any CPU work
    (the rules' reading, an embedding) runs off the event loop."""

    async def is_clear_noise(self, inp: TriageInput) -> bool: ...
