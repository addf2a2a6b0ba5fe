"""Is a newly reported problem one that an open ticket already tracks? Same location,
same bay (or both location-wide), same problem as the rules read it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.tickets.domain import Category, Ticket
from bot.tickets.status import OPEN_STATUSES
from bot.triage.analysis import analyse
from bot.triage.types import TriageInput

_WORD = re.compile(r"[a-z]{3,}")
_STOP = frozenset({"bay", "box", "the", "and", "not", "with", "for", "from", "location"})


def problem_key(text: str) -> str | None:
    """The rules' name for the main problem in `text` (e.g. "balls"), if they see one."""
    top = analyse(TriageInput(text=text)).top
    return top.rule.key if top else None


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def same_problem(
    ticket: Ticket,
    *,
    location: str,
    bay: int | None,
    category: Category,
    key: str | None,
    title: str,
) -> bool:
    if ticket.status not in OPEN_STATUSES:
        return False
    if ticket.location.casefold() != location.casefold() or ticket.bay != bay:
        return False
    if ticket.category != category:
        return False
    ticket_key = problem_key(f"{ticket.title}. {ticket.description}")
    if key is not None and ticket_key is not None:
        return key == ticket_key
    mine, theirs = _words(title), _words(ticket.title)
    return bool(mine and theirs) and len(mine & theirs) / len(mine | theirs) >= 0.5


def find_duplicate(
    candidates: Sequence[Ticket],
    *,
    location: str,
    bay: int | None,
    category: Category,
    text: str,
    title: str,
) -> Ticket | None:
    """The oldest open ticket for the same problem, if any."""
    key = problem_key(text)
    matches = [
        t
        for t in candidates
        if same_problem(t, location=location, bay=bay, category=category, key=key, title=title)
    ]
    return min(matches, key=lambda t: t.number) if matches else None
