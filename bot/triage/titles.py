"""Ticket titles from the rules' reading: the thing, its fault and its place, short.

"Men's toilet overflowing", "Bay 3 projector dim", "No balls in Bay 2", "Bay 1 stool
wobbly", "Bay 4 PC frozen after reset". The words are the names of `titles.toml` and the
lexicon's labels (see `subjects`), never the customer's, so an instruction in a message
("title this CRITICAL") cannot reach the title.
"""

from __future__ import annotations

from bot.tickets.domain import Priority
from bot.triage.analysis import Analysis, Finding
from bot.triage.patterns import Rx
from bot.triage.subjects import VOCABULARY, Subject, subjects_of

MAX_TITLE = 60

# A remote fix the report says was done ("you reset it twice"): a repeat is "after reset".
_REMOTE_FIX = Rx(
    r"\b(?:reset\w*|restart\w*|reboot\w*|power ?cycl\w*|unlock\w*|redemar\w*|reinitialis\w*"
    r"|deverouil\w*)"
)
_AFTER_FIX = {"door_controller": " after remote unlock"}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower(text: str) -> str:
    """Lower-case the first letter unless the first word is a name ("PC", "Wi-Fi")."""
    first = text.split(" ", 1)[0]
    return text if any(ch.isupper() for ch in first[1:]) else text[:1].lower() + text[1:]


def _place(subject: Subject, finding: Finding, bay: int | None) -> tuple[str, str]:
    """Where the problem is, to open a title ("Bay 2", "Men's") and to end one ("Bay 2",
    "the men's room"); empty when the message says neither."""
    named = finding.rule.key in VOCABULARY.rules  # a rule without an entry names bays only
    area = VOCABULARY.areas[subject.area] if subject.area and named else None
    if area is not None:
        return area.prefix, area.inside
    if bay is not None:
        return f"Bay {bay}", f"Bay {bay}"
    return "", ""


def _named(subject: Subject, finding: Finding, place: tuple[str, str]) -> str:
    """The problem with its place: a shortage, a thing and its fault, or the label. A rule
    with a fault but no thing of its own ("too cold") needs a place to open the title."""
    rule = subject.rule
    prefix, inside = place
    where = f" in {inside}" if inside else ""
    if rule.none and subject.fault is None:
        return f"No {' or '.join(subject.things or (rule.thing,))}{where}"
    thing = subject.things[0] if subject.things else rule.thing
    if thing.casefold() == prefix.casefold():
        prefix = ""  # "Bathroom dirty", not "Bathroom bathroom dirty"
    fault = subject.fault or rule.fault
    if rule.name is not None or not fault or not (thing or (prefix and rule.fault)):
        return f"{rule.name or finding.label}{where}"
    return _capital(" ".join(word for word in (prefix, thing, fault) if word))


def _after(top: Finding, analysis: Analysis) -> str:
    """What a report of a remote-fix device adds: it failed again, or escalation is asked."""
    if top.rule.sop is None:
        return ""
    if analysis.repeat:
        if analysis.history_sop or _REMOTE_FIX.search(analysis.norm):
            return _AFTER_FIX.get(top.rule.sop, " after reset")
        return " again"
    return " (escalation asked)" if analysis.escalate else ""


def title_for(analysis: Analysis, top: Finding, bay: int | None) -> str:
    """The title of the ticket for `analysis`, whose most severe finding is `top`."""
    subject = subjects_of(analysis)[analysis.findings.index(top)]
    wide = analysis.wide and top.rule.wide is not None and top.priority == Priority.CRITICAL
    if wide:
        base = f"All bays: {_lower(_named(subject, top, ('', '')))}"
    else:
        base = _named(subject, top, _place(subject, top, bay))
    base += _after(top, analysis)
    others = len({f.rule.key for f in analysis.findings}) - 1
    more = f" (+{others} more)" if others > 0 else ""
    if len(base) + len(more) <= MAX_TITLE:
        return base + more
    return base if len(base) <= MAX_TITLE else base[: MAX_TITLE - 1].rstrip() + "\u2026"
