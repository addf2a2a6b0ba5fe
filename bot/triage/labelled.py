"""Labelled triage examples (the shared jsonl format), read from a file.

Each line: {"id", "location", "bay", "text", "should_ticket", "category", "priority",
"suggest_close", "why"}, optionally "history" (list of earlier messages), "has_open_ticket",
"from_operator" and "ticket_location" (where the ticket should go, when it differs).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.tickets.domain import Category, Priority
from bot.triage.types import TriageInput


class ExampleError(ValueError):
    """A labelled example that cannot be read; the message names the line and the field."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    location: str | None
    bay: int | None
    should_ticket: bool
    category: Category | None
    priority: Priority | None
    suggest_close: bool
    why: str = ""
    history: tuple[str, ...] = ()
    has_open_ticket: bool = False
    from_operator: bool = False
    ticket_location: str | None = None

    def to_input(self, known_locations: Sequence[str] = ()) -> TriageInput:
        return TriageInput(
            text=self.text,
            location=self.location,
            bay=self.bay,
            history=self.history,
            has_open_ticket=self.has_open_ticket,
            from_operator=self.from_operator,
            known_locations=tuple(known_locations),
        )


def _example(row: dict[str, Any], where: str) -> Example:
    try:
        category = row.get("category")
        priority = row.get("priority")
        bay = row.get("bay")
        history = row.get("history") or []
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise ExampleError(f"{where}: history must be a list of strings")
        return Example(
            id=str(row["id"]),
            text=str(row["text"]),
            location=row.get("location"),
            bay=int(bay) if bay is not None else None,
            should_ticket=bool(row["should_ticket"]),
            category=Category(category) if category else None,
            priority=Priority(priority) if priority else None,
            suggest_close=bool(row.get("suggest_close", False)),
            why=str(row.get("why", "")),
            history=tuple(history),
            has_open_ticket=bool(row.get("has_open_ticket", False)),
            from_operator=bool(row.get("from_operator", False)),
            ticket_location=row.get("ticket_location"),
        )
    except KeyError as exc:
        raise ExampleError(f"{where}: missing field {exc.args[0]!r}") from None
    except ValueError as exc:
        if isinstance(exc, ExampleError):
            raise
        raise ExampleError(f"{where}: {exc}") from None


def load_examples(path: str | Path) -> list[Example]:
    """Read a labelled jsonl file (blank lines skipped); raise ExampleError on a bad line."""
    examples: list[Example] = []
    file = Path(path)
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{file.name}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ExampleError(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ExampleError(f"{where}: expected a JSON object")
        examples.append(_example(row, where))
    return examples


def known_locations(examples: Iterable[Example], extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Every location name the examples and `extra` mention, for other-location detection."""
    names: dict[str, str] = {}
    for name in [*extra, *(e.location for e in examples), *(e.ticket_location for e in examples)]:
        if name:
            names.setdefault(name.casefold(), name)
    return tuple(names.values())
