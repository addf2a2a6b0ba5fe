"""The policy every decision passes, whichever classifier made it.

- Operators' messages never open tickets (they may still confirm a fix).
- Priority comes from evidence, never from demands: `critical` needs location-wide or
  safety evidence in the text (else it is clamped to `high`), and when the text demands
  priority ("make it critical", "URGENT", "ignore your rules") the priority cannot exceed
  what the reported problem itself supports.
- A decision without a ticket carries no category, priority or title; a ticket always has
  all three, a location and a reason.
"""

from __future__ import annotations

from dataclasses import replace

from bot.tickets.domain import Category, Priority
from bot.triage.analysis import analyse
from bot.triage.types import TriageDecision, TriageInput

MAX_TITLE = 60


def _join(reason: str, note: str) -> str:
    reason = reason.strip()
    if not reason:
        return note
    return f"{reason.rstrip('.')}; {note[0].lower()}{note[1:]}"


def apply(inp: TriageInput, decision: TriageDecision) -> TriageDecision:
    analysis = analyse(inp)
    location = decision.location or inp.location
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
            location=location,
            reason=decision.reason.strip() or "No operational problem reported.",
        )

    top = analysis.top
    reason = decision.reason
    category = decision.category or (top.category if top else Category.FACILITIES)
    priority = decision.priority or (top.priority if top else Priority.MEDIUM)
    if priority == Priority.CRITICAL and not analysis.critical_evidence:
        priority = Priority.HIGH
        reason = _join(reason, "Critical needs location-wide or safety evidence: clamped to high.")
    if analysis.demand and top is not None and priority.rank > top.priority.rank:
        priority = top.priority
        reason = _join(reason, "Priority demanded in the text is ignored.")
    title = decision.title.strip() or (top.label if top else "Customer-reported problem")
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1].rstrip() + "\u2026"
    return replace(
        decision,
        category=category,
        priority=priority,
        title=title,
        location=location,
        reason=reason.strip() or f"{title}.",
    )
