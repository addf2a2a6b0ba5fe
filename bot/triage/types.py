"""The triage interface: what a classifier is given and what it decides."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

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


class Classifier(Protocol):
    async def classify(self, inp: TriageInput) -> TriageDecision: ...
