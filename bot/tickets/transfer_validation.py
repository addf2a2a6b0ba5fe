"""Validating the records of an import file, every one before anything is written: each
problem is described with the record it is in, so the whole file can be fixed at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bot.tickets.ticket_json import TicketRecord

MAX_PROBLEMS_SHOWN = 20


@dataclass
class CheckedRecords:
    """What a pass over a file found: how many records, the highest ticket number among
    the valid ones, and what is wrong with the others. The records themselves are not
    kept (a file of 100k is read again to be written)."""

    count: int = 0
    max_number: int = 0
    problems: list[str] = field(default_factory=list)
    bad_indexes: set[int] = field(default_factory=set)
    first_index: dict[str, int] = field(default_factory=dict)

    def refuse(self, index: int, *problems: str) -> None:
        self.bad_indexes.add(index)
        self.problems.extend(problems)

    def check(self, index: int, item: Any) -> TicketRecord | None:
        """The record at `index`, valid; None (and its problems noted) when it is not."""
        self.count += 1
        if not isinstance(item, dict):
            kind = json_kind(item)
            self.refuse(index, f"{_where(index, None)}: expected a ticket object, found {kind}")
            return None
        try:
            record = TicketRecord.model_validate(item)
        except ValidationError as exc:
            where = _where(index, item.get("ticket_id"))
            self.refuse(index, *(f"{where}: {_describe(error)}" for error in exc.errors()))
            return None
        first = self.first_index.setdefault(record.ticket_id, index)
        if first != index:
            where = _where(index, record.ticket_id)
            self.refuse(index, f"{where}: ticket_id repeats the record at index {first}")
            return None
        self.max_number = max(self.max_number, record.number)
        return record


def rejection(file_name: str, checked: CheckedRecords) -> str:
    """What is wrong with the file: how many records are bad, and the first problems."""
    shown = checked.problems[:MAX_PROBLEMS_SHOWN]
    more = len(checked.problems) - len(shown)
    lines = [
        f"{file_name}: {len(checked.bad_indexes)} of {checked.count} records are not valid "
        "ticket JSON (record indexes count from 0):",
        *(f"  {p}" for p in shown),
    ]
    if more:
        lines.append(f"  ... and {more} more problems")
    return "\n".join(lines)


def json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


def _where(index: int, ticket_id: object) -> str:
    if isinstance(ticket_id, str) and ticket_id.strip():
        return f"record at index {index} (ticket_id {ticket_id.strip()})"
    return f"record at index {index}"


def _describe(error: ErrorDetails) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "record"
    if error["type"] == "missing":
        return f"{field}: required field is missing"
    message = error["msg"].removeprefix("Value error, ")
    given = repr(error.get("input"))
    if len(given) > 60:
        given = given[:57] + "..."
    return f"{field}: {message} (got {given})"
