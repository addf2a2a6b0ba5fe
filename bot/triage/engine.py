"""The triage pipeline for one message: SOP gate -> classifier -> policy.

The gate and the policy wrap any classifier (rules or LLM): a first request for a standard
remote procedure is answered without calling the classifier, a repeat is always a ticket,
and the policy clamps whatever the classifier said.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from bot.triage import policy, sop_gate
from bot.triage.rules import classify_text
from bot.triage.types import Classifier, TriageDecision, TriageInput, bounded

__all__ = ["TriageDecision", "TriageInput", "triage", "triage_rules", "triage_with"]


async def triage(
    inp: TriageInput, classifier: Classifier, *, sops: Mapping[str, str] | None = None
) -> TriageDecision:
    """Decide `inp` (its first `MAX_TRIAGE_CHARS`) with `classifier` between the SOP gate and
    the policy. The rules' reading runs in a worker thread, as any classifier's own CPU work
    must: the event loop keeps answering Slack meanwhile."""
    inp = bounded(inp)
    gate = await asyncio.to_thread(sop_gate.check, inp, sops)
    if gate.verdict is sop_gate.Verdict.FIRST_REQUEST and gate.decision is not None:
        return await asyncio.to_thread(policy.apply, inp, gate.decision)
    decision = await classifier.classify(inp)
    return await asyncio.to_thread(_settle, inp, gate, decision)


def _settle(
    inp: TriageInput, gate: sop_gate.GateResult, decision: TriageDecision
) -> TriageDecision:
    return policy.apply(inp, gate.enforce(decision))


def triage_with(
    inp: TriageInput,
    classify: Callable[[TriageInput], TriageDecision],
    *,
    sops: Mapping[str, str] | None = None,
) -> TriageDecision:
    """The same pipeline with a synchronous `classify` (the rules; training's folds)."""
    inp = bounded(inp)
    gate = sop_gate.check(inp, sops)
    if gate.verdict is sop_gate.Verdict.FIRST_REQUEST and gate.decision is not None:
        return policy.apply(inp, gate.decision)
    return _settle(inp, gate, classify(inp))


def triage_rules(inp: TriageInput, *, sops: Mapping[str, str] | None = None) -> TriageDecision:
    """The pipeline with the rules classifier, synchronously."""
    return triage_with(inp, classify_text, sops=sops)


# --------------------------------------------------------------------------- the CLI contract

JSONL_KEYS = ("id", "should_ticket", "category", "priority", "suggest_close", "title", "reason")


class BadLine(ValueError):
    """An input line of `triage --jsonl` that cannot be triaged; the message says why."""


def input_from_json(row: object, known_locations: tuple[str, ...] = ()) -> TriageInput:
    """A TriageInput from one `{"id","text","location","bay"}` object (also accepts the
    optional "history", "has_open_ticket" and "from_operator")."""
    if not isinstance(row, dict):
        raise BadLine("expected a JSON object")
    text = row.get("text")
    if not isinstance(text, str):
        raise BadLine('"text" must be a string')
    location = row.get("location")
    if location is not None and not isinstance(location, str):
        raise BadLine('"location" must be a string or null')
    bay = row.get("bay")
    if isinstance(bay, str) and bay.strip().isdigit():
        bay = int(bay)
    if bay is not None and (isinstance(bay, bool) or not isinstance(bay, int)):
        raise BadLine('"bay" must be an integer or null')
    history = row.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise BadLine('"history" must be a list of strings')
    return TriageInput(
        text=text,
        location=location or None,
        bay=bay,
        history=tuple(history),
        has_open_ticket=bool(row.get("has_open_ticket", False)),
        from_operator=bool(row.get("from_operator", False)),
        known_locations=known_locations,
    )


def contract_row(row_id: object, decision: TriageDecision) -> dict[str, object]:
    """One output line of `triage --jsonl`, exactly the contract's keys."""
    return {
        "id": row_id,
        "should_ticket": decision.should_ticket,
        "category": decision.category.value if decision.category else None,
        "priority": decision.priority.value if decision.priority else None,
        "suggest_close": decision.suggest_close,
        "title": decision.title,
        "reason": decision.reason,
    }


def decision_json(decision: TriageDecision) -> dict[str, object]:
    """The whole decision as JSON (the single-message `triage` output)."""
    row = contract_row(None, decision)
    del row["id"]
    row.update(
        description=decision.description,
        location=decision.location,
        bay=decision.bay,
        decided_by=decision.decided_by.value,
    )
    return row
