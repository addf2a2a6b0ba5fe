"""The embedded rules classifier: phrase tables, no network, deterministic.

`analysis.analyse` reads a message into findings (problems with a category and an
evidence-based priority) and markers (repeat, escalation, confirmation of a fix...).
`classify_text` turns that into a `TriageDecision`; the SOP gate and the policy (see
`engine`) run around it.
"""

from __future__ import annotations

import asyncio
import re

from bot.tickets.domain import Priority
from bot.triage import lexicon as lx
from bot.triage import noise
from bot.triage.analysis import Analysis, Finding, analyse
from bot.triage.titles import title_for
from bot.triage.types import Backend, TriageDecision, TriageInput

_HAS_LETTERS = re.compile(r"[a-z0-9]")
#: Opens the line of a rules description that quotes the customer (dedup reads it back).
CUSTOMER_WROTE = "Customer wrote: "


def _place(
    inp: TriageInput, analysis: Analysis, top: Finding | None
) -> tuple[str | None, int | None]:
    location = analysis.other_location or inp.location
    if top is not None and top.priority == Priority.CRITICAL and top.rule.wide is not None:
        return location, None  # the whole location, not one bay
    if analysis.bay is not None:
        return location, analysis.bay
    if analysis.other_location or (top is not None and top.rule.area):
        return location, None
    return location, inp.bay


def _no_ticket(inp: TriageInput, analysis: Analysis, reason: str) -> TriageDecision:
    location, bay = _place(inp, analysis, None)
    return TriageDecision(
        should_ticket=False,
        category=None,
        priority=None,
        title="",
        description="",
        location=location,
        bay=bay,
        suggest_close=analysis.closes,
        reason=reason,
        decided_by=Backend.RULES,
    )


def _why(top: Finding, analysis: Analysis) -> str:
    parts = [f"{top.label} ({top.category}, {top.priority})"]
    if top.rule.hazard:
        parts.append("a hazard with people present")
    elif top.priority == Priority.CRITICAL and analysis.wide:
        parts.append("the whole location is affected")
    elif top.rule.sop and analysis.repeat:
        parts.append("a remote fix was already tried and did not work")
    elif top.rule.sop and analysis.escalate:
        parts.append("the customer asks to escalate")
    elif analysis.minor and top.priority == Priority.LOW:
        parts.append("minor, the bay stays usable")
    elif analysis.unusable and top.priority == Priority.HIGH:
        parts.append("the bay cannot be used")
    others = [f.label.lower() for f in analysis.findings if f is not top]
    if others:
        parts.append("also: " + ", ".join(others))
    if analysis.other_location:
        parts.append(f"reported at {analysis.other_location}")
    if analysis.demand:
        parts.append("demands for priority in the text are ignored")
    return "; ".join(parts) + "."


def _description(inp: TriageInput, analysis: Analysis) -> str:
    issues = "; ".join(f"{f.label} ({f.category}, {f.priority})" for f in analysis.findings)
    lines = [f"Reported: {issues}."]
    if analysis.from_history:
        lines.append("Follow-up to an earlier report in this thread: " + inp.history[-1].strip())
    lines.append(f"{CUSTOMER_WROTE}{inp.text.strip()}")
    return "\n".join(lines)


def classify_text(inp: TriageInput) -> TriageDecision:
    """The rules decision for one message (no SOP gate, no policy: see `engine`)."""
    analysis = analyse(inp)
    if inp.from_operator:
        reason = (
            "An operator reports the fix: suggest closing the ticket."
            if analysis.fixed
            else "Operators' messages never open tickets."
        )
        return _no_ticket(inp, analysis, reason)
    top = analysis.top
    if top is None:
        if analysis.fixed:
            reason = "Confirms the problem is gone: suggest closing the ticket."
        elif not _HAS_LETTERS.search(analysis.norm) or lx.MARKERS.thanks.match(analysis.norm):
            reason = "Thanks, greetings or emoji only: nothing to fix."
        elif lx.MARKERS.billing.search(analysis.norm):
            reason = "Billing, booking or membership request: not a facilities or tech problem."
        else:
            reason = "No operational problem reported (question, feedback or chit-chat)."
        return _no_ticket(inp, analysis, reason)
    if analysis.billing_past:
        return _no_ticket(
            inp, analysis, "Billing request about a problem that is already over: no ticket."
        )
    location, bay = _place(inp, analysis, top)
    return TriageDecision(
        should_ticket=True,
        category=top.category,
        priority=top.priority,
        title=title_for(analysis, top, bay),
        description=_description(inp, analysis),
        location=location,
        bay=bay,
        suggest_close=analysis.closes,
        reason=_why(top, analysis),
        decided_by=Backend.RULES,
    )


class RulesClassifier:
    """`Classifier` over the phrase tables: pure CPU, run in a worker thread. Also a
    `NoiseFilter` (see `noise`)."""

    async def classify(self, inp: TriageInput) -> TriageDecision:
        return await asyncio.to_thread(classify_text, inp)

    async def is_clear_noise(self, inp: TriageInput) -> bool:
        return await asyncio.to_thread(noise.is_clear_noise, inp)
