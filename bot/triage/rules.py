"""The embedded rules classifier: phrase tables, no network, deterministic.

`analyse` reads a message into findings (problems with a category and an evidence-based
priority) and markers (repeat, escalation, confirmation of a fix...). `classify_text` turns
that into a `TriageDecision`; the SOP gate and the policy (see `engine`) run around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.tickets.domain import Category, Priority
from bot.triage import lexicon as lx
from bot.triage.types import Backend, TriageDecision, TriageInput

_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")
_TECH_DEVICE = lx.rx(
    rf"\b(?:{lx.PROJECTOR}|{lx.PC}|{lx.TV}|{lx.KIOSK}|{lx.TRACKMAN}|{lx.SIM}|speakers?)\b"
)
_HAS_LETTERS = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class Finding:
    """One problem the message reports."""

    rule: lx.ProblemRule
    priority: Priority
    position: int  # where in the normalised text it was read (earlier first on ties)
    category: Category

    @property
    def label(self) -> str:
        return self.rule.label


@dataclass(frozen=True)
class Analysis:
    """What the rules read in a message (and, for short follow-ups, in its thread)."""

    norm: str
    findings: tuple[Finding, ...]
    from_history: bool  # the findings come from an earlier message of the thread
    history_sop: bool  # an earlier message asked for a remote fix, or one was done
    wide: bool
    repeat: bool
    escalate: bool
    demand: bool
    minor: bool
    unusable: bool
    billing_past: bool  # a billing request about a problem that is over
    fixed: bool  # confirms that a problem is gone
    bay: int | None
    other_location: str | None

    @property
    def top(self) -> Finding | None:
        """The most severe finding; the earlier rule of the table wins a tie."""
        if not self.findings:
            return None
        return max(
            self.findings,
            key=lambda f: (f.priority.rank, -lx.RULE_ORDER[f.rule.key], -f.position),
        )

    @property
    def sop_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.rule.sop is not None)

    @property
    def critical_evidence(self) -> bool:
        """Location-wide or safety evidence: the only grounds for `critical`."""
        return any(f.priority == Priority.CRITICAL or f.rule.hazard for f in self.findings) or bool(
            self.wide and self.findings
        )


def _sentences(norm: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _SENTENCE.finditer(norm)]


def _sentence_at(sentences: list[tuple[int, int, str]], pos: int) -> tuple[int, int, str]:
    for start, end, text in sentences:
        if start <= pos < end:
            return start, end, text
    return 0, 0, ""


def _fixed_span(start: int, text: str, weak_ok: bool) -> tuple[int, int] | None:
    """The part of a sentence that confirms a fix: from its start to the end of the clause
    holding the confirmation ("projector's fine now | but no balls in bay 2")."""
    if text.rstrip().endswith("?") or lx.NOT_FIXED.search(text):
        return None
    match = lx.FIXED.search(text) or (lx.FIXED_WEAK.search(text) if weak_ok else None)
    if match is None:
        return None
    turn = lx.CLAUSE_TURN.search(text, match.end())
    return start, start + (turn.start() if turn else len(text))


def _raw_findings(
    norm: str, sentences: list[tuple[int, int, str]], fixed_spans: list[tuple[int, int]]
) -> dict[str, int]:
    """Rule key -> position of its first credible match."""
    found: dict[str, int] = {}
    present = lx.present(norm)
    for rule in lx.candidate_rules(norm):
        for pattern in rule.patterns:
            if pattern.needles is not None and pattern.needles.isdisjoint(present):
                continue
            for match in pattern.regex.finditer(norm):
                pos = match.start()
                if any(start <= pos < end for start, end in fixed_spans):
                    continue  # "the screen was blurry but it's fine now"
                start, end, _ = _sentence_at(sentences, pos)
                if lx.HYPOTHETICAL.search(norm, start, pos):
                    continue  # "what if the sim freezes?"
                if lx.ELSEWHERE.search(norm, start, end):
                    continue  # "a leak in my basement"
                if lx.QUESTION.match(norm[start:end]):
                    continue  # "is it cold in the bays in winter?"
                found[rule.key] = min(pos, found.get(rule.key, pos))
                break
    for key in list(found):
        for weaker in lx.RULES_BY_KEY[key].excludes:
            found.pop(weaker, None)
    if any(not lx.RULES_BY_KEY[key].fallback for key in found):
        found = {key: pos for key, pos in found.items() if not lx.RULES_BY_KEY[key].fallback}
    return found


def _category(rule: lx.ProblemRule, sentences: list[tuple[int, int, str]], pos: int) -> Category:
    if rule.key in ("fire", "sparks"):
        _, _, sentence = _sentence_at(sentences, pos)
        if _TECH_DEVICE.search(sentence):
            return Category.TECH
    return rule.category


def _read(
    norm: str, has_open_ticket: bool
) -> tuple[dict[str, int], bool, list[tuple[int, int, str]]]:
    lx.present(norm)
    sentences = _sentences(norm)
    fixed_spans = [
        span
        for start, _, text in sentences
        if (span := _fixed_span(start, text, has_open_ticket)) is not None
    ]
    return _raw_findings(norm, sentences, fixed_spans), bool(fixed_spans), sentences


@dataclass(frozen=True)
class _Thread:
    findings: dict[str, int]  # of the latest earlier message that reported something
    norm: str  # that message, normalised
    sop_before: bool  # an earlier message asked for (or reported) a remote fix
    bay: int | None  # the latest bay named in the thread


def _thread(history: tuple[str, ...]) -> _Thread:
    latest: dict[str, int] = {}
    latest_norm = ""
    sop_before = False
    bay: int | None = None
    for message in history:
        norm = lx.normalize(message)
        found, _, _ = _read(norm, False)
        if found:
            latest, latest_norm = found, norm
        if any(lx.RULES_BY_KEY[k].sop for k in found) or lx.OPERATOR_RESET.search(norm):
            sop_before = True
        bay = lx.find_bay(norm) or bay
    return _Thread(latest, latest_norm, sop_before, bay)


def _other_location(
    norm: str, sentences: list[tuple[int, int, str]], found: dict[str, int], inp: TriageInput
) -> str | None:
    """Another configured location named in a sentence that reports a problem."""
    if not inp.known_locations:
        return None
    spans = {_sentence_at(sentences, pos)[:2] for pos in found.values()}
    for start, end in sorted(spans) or [(0, len(norm))]:
        place = lx.find_other_location(norm[start:end], inp.location, inp.known_locations)
        if place:
            return place
    return None


@lru_cache(maxsize=4096)
def analyse(inp: TriageInput) -> Analysis:
    norm = lx.normalize(inp.text)
    found, fixed, sentences = _read(norm, inp.has_open_ticket)
    repeat = bool(lx.REPEAT.search(norm))
    escalate = bool(lx.ESCALATE.search(norm))
    from_history = False
    history_sop = False
    thread_bay: int | None = None
    source_norm, source_sentences = norm, sentences
    if inp.history:
        thread = _thread(inp.history)
        history_sop, thread_bay = thread.sop_before, thread.bay
        follow_up = repeat or escalate or bool(lx.CONTINUE.search(norm))
        if not found and thread.findings and follow_up and not fixed:
            found, from_history = thread.findings, True
            repeat = True  # a follow-up to an earlier report: the problem persists
            source_norm, source_sentences = thread.norm, _sentences(thread.norm)
    wide = bool(lx.WIDE.search(norm))
    minor = bool(lx.MINOR.search(norm))
    common_area = bool(lx.COMMON_AREA.search(norm))
    unusable = bool(lx.UNUSABLE.search(norm))
    if history_sop and not from_history and any(lx.RULES_BY_KEY[k].sop for k in found):
        repeat = True  # the same kind of failure was already reported in this thread

    findings: list[Finding] = []
    for key, pos in found.items():
        rule = lx.RULES_BY_KEY[key]
        priority = rule.priority
        if wide and rule.wide is not None:
            priority = rule.wide
        if rule.key == "door_locked" and repeat:
            priority = Priority.CRITICAL  # remote unlock failed: nobody can get in
        if rule.lobby is not None and common_area and not wide:
            priority = rule.lobby
        if minor and not rule.holds_priority and priority.rank < Priority.CRITICAL.rank:
            priority = Priority.LOW
        if unusable and not rule.area and priority.rank < Priority.HIGH.rank:
            priority = Priority.HIGH
        category = _category(rule, source_sentences, pos)
        findings.append(Finding(rule=rule, priority=priority, position=pos, category=category))

    billing_past = bool(lx.BILLING.search(norm) and lx.PAST.search(norm)) and not repeat
    return Analysis(
        norm=norm,
        findings=tuple(sorted(findings, key=lambda f: f.position)),
        from_history=from_history,
        history_sop=history_sop,
        wide=wide,
        repeat=repeat,
        escalate=escalate,
        demand=bool(lx.DEMAND.search(norm)),
        minor=minor,
        unusable=unusable,
        billing_past=billing_past,
        fixed=fixed,
        bay=lx.find_bay(norm) or thread_bay,
        other_location=_other_location(source_norm, source_sentences, found, inp),
    )


# --------------------------------------------------------------------------- decisions


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


def _title(top: Finding, analysis: Analysis, bay: int | None) -> str:
    label = top.label
    if analysis.wide and top.rule.wide is not None and top.priority == Priority.CRITICAL:
        label = f"All bays: {label[0].lower()}{label[1:]}"
    elif bay is not None:
        label = f"{label} in Bay {bay}"
    if top.rule.sop and (analysis.repeat or analysis.escalate):
        label += " (remote fix failed)" if analysis.repeat else " (escalation asked)"
    others = len({f.rule.key for f in analysis.findings}) - 1
    if others > 0:
        label += f" (+{others} more)"
    return label


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
        suggest_close=analysis.fixed,
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
    lines.append(f"Customer wrote: {inp.text.strip()}")
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
        elif not _HAS_LETTERS.search(analysis.norm) or lx.THANKS.match(analysis.norm):
            reason = "Thanks, greetings or emoji only: nothing to fix."
        elif lx.BILLING.search(analysis.norm):
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
        title=_title(top, analysis, bay),
        description=_description(inp, analysis),
        location=location,
        bay=bay,
        suggest_close=analysis.fixed,
        reason=_why(top, analysis),
        decided_by=Backend.RULES,
    )


class RulesClassifier:
    """`Classifier` over the phrase tables: async for the interface, pure CPU inside."""

    async def classify(self, inp: TriageInput) -> TriageDecision:
        return classify_text(inp)
