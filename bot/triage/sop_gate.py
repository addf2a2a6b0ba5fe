"""The SOP gate: a first report that a standard remote procedure fixes opens no ticket.

It runs before any classifier (so a first "sim frozen, can you reset" never costs an LLM
call) and again after it: a repeat (the remote fix was tried and failed, the failure keeps
coming back, the customer asks to escalate) always becomes a `tech` ticket, `high` at least
(`critical` for the door: a failed remote unlock means nobody gets in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.tickets.domain import Category, Priority
from bot.triage.analysis import Analysis, analyse
from bot.triage.types import Backend, TriageDecision, TriageInput

DEFAULT_SOPS: Mapping[str, str] = {
    "pc": "reboot the bay PC",
    "projector": "power-cycle the projector",
    "trackman": "restart TrackMan",
    "kiosk": "reboot the kiosk",
    "door_controller": "unlock the door remotely",
}


class Verdict(StrEnum):
    FIRST_REQUEST = "first_request"  # the SOP runs; no ticket
    REPEAT = "repeat"  # the SOP already failed (or escalation asked): ticket, tech, high+
    PASS = "pass"  # not an SOP matter: the classifier decides


@dataclass(frozen=True)
class GateResult:
    verdict: Verdict
    device: str | None = None
    procedure: str | None = None
    decision: TriageDecision | None = None  # set for FIRST_REQUEST
    floor: Priority | None = None  # set for REPEAT

    def enforce(self, decision: TriageDecision) -> TriageDecision:
        """Apply a REPEAT verdict to any classifier's decision (others pass unchanged)."""
        if self.verdict is not Verdict.REPEAT or self.floor is None:
            return decision
        priority = decision.priority if decision.should_ticket else None
        if priority is not None and priority.rank >= self.floor.rank:
            return decision  # already a ticket at least this urgent (maybe something worse)
        title = decision.title or f"{_DEVICE_NAMES.get(self.device or '', 'Device')} failing again"
        reason = decision.reason
        if not decision.should_ticket:
            reason = (
                f"The standard remote procedure ({self.procedure}) was already tried or "
                "escalation was asked: repeat failure."
            )
        return replace(
            decision,
            should_ticket=True,
            category=Category.TECH,
            priority=self.floor,
            title=title,
            reason=reason,
        )


_DEVICE_NAMES = {
    "pc": "Bay PC / sim",
    "projector": "Projector",
    "trackman": "Launch monitor",
    "kiosk": "Kiosk",
    "door_controller": "Door access",
}


def _first_request(
    inp: TriageInput, analysis: Analysis, device: str, procedure: str
) -> TriageDecision:
    top = analysis.top
    what = top.label.lower() if top else "device failure"
    return TriageDecision(
        should_ticket=False,
        category=None,
        priority=None,
        title="",
        description="",
        location=analysis.other_location or inp.location,
        bay=analysis.bay if analysis.bay is not None else inp.bay,
        suggest_close=False,
        reason=(
            f"First report of {what}: the standard remote procedure ({procedure}) handles it; "
            "a ticket opens if it fails again."
        ),
        decided_by=Backend.RULES,
    )


def check(inp: TriageInput, sops: Mapping[str, str] | None = None) -> GateResult:
    """Classify `inp` against the standard remote procedures (`sops`: device -> procedure)."""
    procedures = DEFAULT_SOPS if sops is None else sops
    if inp.from_operator:
        return GateResult(Verdict.PASS)
    analysis = analyse(inp)
    if analysis.billing_past or analysis.fixed:
        return GateResult(Verdict.PASS)
    sop = [f for f in analysis.sop_findings if f.rule.sop in procedures]
    if not sop:
        return GateResult(Verdict.PASS)
    device = sop[0].rule.sop or ""
    procedure = procedures[device]
    if analysis.repeat or analysis.escalate:
        floor = Priority.HIGH
        if any(f.priority == Priority.CRITICAL for f in sop):
            floor = Priority.CRITICAL
        return GateResult(Verdict.REPEAT, device=device, procedure=procedure, floor=floor)
    only_sop = len(sop) == len(analysis.findings)
    if only_sop and not analysis.critical_evidence and not analysis.from_history:
        decision = _first_request(inp, analysis, device, procedure)
        return GateResult(
            Verdict.FIRST_REQUEST, device=device, procedure=procedure, decision=decision
        )
    return GateResult(Verdict.PASS)
