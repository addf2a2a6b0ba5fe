"""Is a newly reported problem one that an open ticket already tracks? The same place, and
the same problem by meaning:

- the same location, never another; the same bay, or both without one (a problem away
  from the bays, a bathroom or the lobby, is the same whichever bay its reporters sit in);
- an open ticket of the same category;
- the rules' reading does not tell them apart (different problems, things or rooms: "men's
  toilet overflowing" is not "ladies' room out of paper towels"; see `problems`);
- their meanings are close: cosine >= `problems.SIMILAR` with the embedded model, or,
  when it cannot load, the same problem key as the rules read it (or, with no key on
  either side, titles sharing half their words).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.intake.problems import SIMILAR, Meanings, Reading, conflict, reading_of, ticket_text
from bot.tickets.domain import Category, Ticket
from bot.tickets.status import OPEN_STATUSES
from bot.triage.analysis import analyse
from bot.triage.embedding import MAX_CHARS
from bot.triage.types import TriageInput

_WORD = re.compile(r"[a-z]{3,}")
_STOP = frozenset({"bay", "box", "the", "and", "not", "with", "for", "from", "location"})


def problem_key(text: str) -> str | None:
    """The rules' name for the main problem in `text` (e.g. "balls"), if they see one."""
    top = analyse(TriageInput(text=text)).top
    return top.rule.key if top else None


@dataclass(frozen=True)
class NewReport:
    """A reported problem that would open a ticket: where, what kind, in whose words."""

    location: str
    bay: int | None
    category: Category
    text: str  # the message
    title: str  # the title triage gave it


@dataclass(frozen=True)
class Duplicate:
    ticket: Ticket
    why: str  # e.g. "T-4: same place (Bedford, bay 2), similar meaning (0.94 >= 0.90)"


def same_place(ticket: Ticket, report: NewReport, mine: Reading, theirs: Reading) -> bool:
    if ticket.location.casefold() != report.location.casefold():
        return False
    return ticket.bay == report.bay or (mine.off_bay and theirs.off_bay)


def _comparable(ticket: Ticket, report: NewReport, mine: Reading) -> bool:
    """An open ticket at the report's place, of its category, that the rules' reading does
    not set apart from it."""
    if ticket.status not in OPEN_STATUSES or ticket.category != report.category:
        return False
    theirs = reading_of(ticket_text(ticket))
    return same_place(ticket, report, mine, theirs) and conflict(mine, theirs) is None


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def same_key(ticket: Ticket, report: NewReport) -> bool:
    """Without the model: the rules read the same main problem in both (or, when either
    reads none, the titles share at least half their words)."""
    key, ticket_key = problem_key(report.text[:MAX_CHARS]), problem_key(ticket_text(ticket))
    if key is not None and ticket_key is not None:
        return key == ticket_key
    mine, theirs = _words(report.title), _words(ticket.title)
    return bool(mine and theirs) and len(mine & theirs) / len(mine | theirs) >= 0.5


def _place(report: NewReport) -> str:
    return report.location + (f", bay {report.bay}" if report.bay is not None else "")


async def find_duplicate(
    candidates: Sequence[Ticket], report: NewReport, meanings: Meanings
) -> Duplicate | None:
    """The oldest open ticket for the same problem at the same place, if any, and why."""
    text = report.text[:MAX_CHARS]
    mine = reading_of(text)
    possible = [t for t in candidates if _comparable(t, report, mine)]
    if not possible:
        return None
    scores = await meanings.similarities(text, [ticket_text(t) for t in possible])
    if scores is None:
        why = "the same problem as the rules read it (no model)"
        matches = [(t, why) for t in possible if same_key(t, report)]
    else:
        matches = [
            (t, f"similar meaning ({score:.2f} >= {SIMILAR:.2f})")
            for t, score in zip(possible, scores, strict=True)
            if score >= SIMILAR
        ]
    if not matches:
        return None
    ticket, why = min(matches, key=lambda match: match[0].number)
    return Duplicate(ticket, f"{ticket.ticket_id}: same place ({_place(report)}), {why}")
