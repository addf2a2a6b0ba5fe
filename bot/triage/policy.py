"""The policy every decision passes, whichever classifier made it.

A classifier (above all an LLM) can be steered by the customer's text; the rules' reading
of that text cannot. So the rules' reading bounds what any classifier may put on a ticket:

- Operators' messages never open tickets (they may still confirm a fix).
- Priority comes from evidence, never from demands: `critical` needs location-wide or
  safety evidence in the text, or (from the local classifier, on a text that demands
  nothing) a critical precedent it reads like (else it is clamped to `high`); when the
  text demands priority ("make it critical", "URGENT", "ignore your rules") the priority
  cannot exceed what the reported problem itself supports.
- Category: when the rules read a problem they know (not only a vague fallback reading),
  the category is that of one of the problems they read, else the main one's.
- Title: a classifier's title stands only when it fits `MAX_TITLE`, names no demand or
  priority ("CRITICAL: ...", "urgent", "ignore ...") and its category stood; otherwise
  the rules' title for the message.
- Place: the location is the message's own or another configured location the text names;
  a bay must be named by the text, its thread or the relay, else the rules' bay.
- A decision without a ticket carries no category, priority or title; a ticket always has
  all three, a location and a reason.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.tickets.domain import Category, Priority
from bot.triage import lexicon as lx
from bot.triage.analysis import Analysis, analyse
from bot.triage.rules import classify_text
from bot.triage.types import TriageDecision, TriageInput

MAX_TITLE = 60
FALLBACK_TITLE = "Customer-reported problem"

# Words a title has no business holding: priorities, demands, instructions (the demand
# marker of the lexicon catches the phrasings; these catch the bare words).
_PUSHY = re.compile(
    r"\b(?:critical\w*|critique\w*|urgen\w*|asap|emergenc\w*|immediate\w*|priorit\w*"
    r"|ignore\w*|disregard\w*|instruction\w*|rules?|prompt|p[0-3])\b"
)


def _join(reason: str, note: str) -> str:
    reason = reason.strip()
    if not reason:
        return note
    return f"{reason.rstrip('.')}; {note[0].lower()}{note[1:]}"


def pushy(title: str) -> bool:
    """The title demands or instructs instead of naming a problem."""
    return bool(_PUSHY.search(title.casefold()) or lx.MARKERS.demand.search(lx.normalize(title)))


def _category(decision: TriageDecision, analysis: Analysis) -> Category:
    """The classifier's category when the rules' reading allows it, else the rules'."""
    read = {f.category for f in analysis.findings if not f.rule.fallback}
    if decision.category is not None and (not read or decision.category in read):
        return decision.category
    top = analysis.top
    return top.category if top else Category.FACILITIES


def _priority(decision: TriageDecision, analysis: Analysis) -> tuple[Priority, list[str]]:
    """The classifier's priority, clamped to the evidence; and the notes saying why."""
    top = analysis.top
    priority = decision.priority or (top.priority if top else Priority.MEDIUM)
    notes: list[str] = []
    precedent = decision.critical_precedent is not None and not analysis.demand
    if priority == Priority.CRITICAL and not (analysis.critical_evidence or precedent):
        priority = Priority.HIGH
        notes.append("Critical needs location-wide or safety evidence: clamped to high.")
    if analysis.demand and top is not None and priority.rank > top.priority.rank:
        priority = top.priority
        notes.append("Priority demanded in the text is ignored.")
    return priority, notes


def _title(inp: TriageInput, decision: TriageDecision, category_stood: bool) -> str:
    title = decision.title.strip()
    if not title or not category_stood or len(title) > MAX_TITLE or pushy(title):
        title = classify_text(inp).title.strip() or FALLBACK_TITLE
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1].rstrip() + "\u2026"
    return title


def _location(inp: TriageInput, decision: TriageDecision, analysis: Analysis) -> str | None:
    """The decision's location when the message is from there or names it."""
    if decision.location is not None and decision.location in (
        inp.location,
        analysis.other_location,
    ):
        return decision.location
    return analysis.other_location or inp.location


def _bay(inp: TriageInput, decision: TriageDecision, analysis: Analysis) -> int | None:
    """The decision's bay when the text, its thread or the relay names it."""
    if decision.bay is None:
        return None
    named = {inp.bay, analysis.bay, *lx.bays_named(analysis.norm)}
    for earlier in inp.history:
        named.update(lx.bays_named(lx.normalize(earlier)))
    if decision.bay in named:
        return decision.bay
    return analysis.bay if analysis.bay is not None else inp.bay


def apply(inp: TriageInput, decision: TriageDecision) -> TriageDecision:
    analysis = analyse(inp)
    decision = replace(
        decision, location=_location(inp, decision, analysis), bay=_bay(inp, decision, analysis)
    )
    if inp.from_operator and decision.should_ticket:
        decision = replace(
            decision, should_ticket=False, reason="Operators' messages never open tickets."
        )
    if not decision.should_ticket:
        return replace(
            decision,
            category=None,
            priority=None,
            title="",
            reason=decision.reason.strip() or "No operational problem reported.",
        )
    category = _category(decision, analysis)
    priority, notes = _priority(decision, analysis)
    if category != decision.category and decision.category is not None:
        notes.append("Category follows the problem the message reports.")
    title = _title(inp, decision, category == decision.category)
    reason = decision.reason
    for note in notes:
        reason = _join(reason, note)
    return replace(
        decision,
        category=category,
        priority=priority,
        title=title,
        reason=reason.strip() or f"{title}.",
    )
