"""Ticket list queries from outside (the read API, the dashboard): parameters as strings
in, a typed filter out, or an error naming the bad parameter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.tickets.domain import TICKET_ID_PATTERN, Category, Priority, Status, TicketFilter

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
VALUE_MAX = 200  # longest parameter value: location names, ids and searches are short
_LIMIT_PATTERN = re.compile(r"[0-9]{1,4}")  # ASCII only: str.isdigit() lets "²" through to int()


class BadParameter(ValueError):
    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(f"{parameter}: {problem}")
        self.parameter = parameter
        self.problem = problem


@dataclass(frozen=True)
class PageRequest:
    filter: TicketFilter
    limit: int


def _choices(
    parameter: str, raw: str | None, allowed: type[Status] | type[Priority] | type[Category]
) -> list[str]:
    if raw is None or raw == "":
        return []
    values = [v.strip() for v in raw.split(",") if v.strip()]
    known = {member.value for member in allowed}
    for value in values:
        if value not in known:
            raise BadParameter(parameter, f"{value!r} is not one of {', '.join(sorted(known))}")
    return values


def parse_ticket_query(params: Mapping[str, str]) -> PageRequest:
    """`status`, `location`, `priority`, `category` (comma-separated for several),
    `assigned=yes|no`, `assignee`, `limit` (1..500, default 100), `cursor`. No value may
    hold a NUL (PostgreSQL text cannot) or run past VALUE_MAX characters."""
    for parameter, value in params.items():
        if "\x00" in value:
            raise BadParameter(parameter, "contains a NUL character")
        if len(value) > VALUE_MAX:
            raise BadParameter(parameter, f"is longer than {VALUE_MAX} characters")
    assigned_raw = params.get("assigned")
    if assigned_raw not in (None, "", "yes", "no"):
        raise BadParameter("assigned", f"{assigned_raw!r} is not yes or no")
    limit_raw = params.get("limit") or str(DEFAULT_LIMIT)
    if not _LIMIT_PATTERN.fullmatch(limit_raw) or not 1 <= int(limit_raw) <= MAX_LIMIT:
        raise BadParameter(
            "limit", f"{limit_raw[:20]!r} is not a whole number from 1 to {MAX_LIMIT}"
        )
    cursor = params.get("cursor") or None
    if cursor is not None and not TICKET_ID_PATTERN.match(cursor):
        raise BadParameter("cursor", "not a cursor from a previous page's next_cursor")
    locations = [v.strip() for v in (params.get("location") or "").split(",") if v.strip()]
    flt = TicketFilter(
        statuses=[Status(v) for v in _choices("status", params.get("status"), Status)],
        priorities=[Priority(v) for v in _choices("priority", params.get("priority"), Priority)],
        categories=[Category(v) for v in _choices("category", params.get("category"), Category)],
        locations=locations,
        assigned=None if not assigned_raw else assigned_raw == "yes",
        assignee=params.get("assignee") or None,
        before=cursor,
        limit=int(limit_raw) + 1,  # one more than asked tells whether a next page exists
    )
    return PageRequest(filter=flt, limit=int(limit_raw))
