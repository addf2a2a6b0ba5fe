"""What the rules read in a message: its problems with an evidence-based priority, and the
markers around them (repeat, escalation, confirmation of a fix, another location...).

`analyse` serves the rules classifier, the SOP gate and the policy alike; for a short
follow-up ("still frozen") it reads the problem from the thread's earlier messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.tickets.domain import Category, Priority
from bot.triage import lexicon as lx
from bot.triage.reading import Reading, Sentence, read, sentence_at
from bot.triage.types import TriageInput


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
    source_norm: str  # the text the findings were read in (an earlier one for a follow-up)
    from_history: bool  # the findings come from an earlier message of the thread
    history_sop: bool  # an earlier message asked for a remote fix, or one was done
    wide: bool
    repeat: bool
    escalate: bool
    demand: bool
    danger: bool  # people leave for their safety or call for help
    minor: bool
    unusable: bool
    billing_past: bool  # a billing request about a problem that is over
    fixed: bool  # confirms that a problem is gone
    closes: bool  # ...and that is news for an open ticket: suggest closing it
    lost_found: bool  # something left, lost or found
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
        """Location-wide or safety evidence: the only grounds for `critical`. A demand
        ("URGENT", "make it critical") is never evidence."""
        hazard = any(f.priority == Priority.CRITICAL or f.rule.hazard for f in self.findings)
        return hazard or self.danger or bool(self.wide and self.findings)


# --------------------------------------------------------------------------- the thread


@dataclass(frozen=True)
class _Thread:
    latest: Reading | None  # the latest earlier message that reported something
    sop_before: bool  # an earlier message asked for (or reported) a remote fix
    bay: int | None  # the latest bay named in the thread


def _thread(history: tuple[str, ...]) -> _Thread:
    latest: Reading | None = None
    sop_before = False
    bay: int | None = None
    for message in history:
        reading = read(lx.normalize(message), False)
        if reading.found:
            latest = reading
        sop_asked = any(lx.RULES_BY_KEY[k].sop for k in reading.found)
        if sop_asked or lx.MARKERS.operator_reset.search(reading.norm):
            sop_before = True
        bay = lx.find_bay(reading.norm) or bay
    return _Thread(latest, sop_before, bay)


@dataclass(frozen=True)
class _Source:
    """Where a message's problems are read: its own text or, for a short follow-up, the
    thread's latest report."""

    reading: Reading
    from_history: bool
    repeat: bool
    history_sop: bool
    thread_bay: int | None


def _source(inp: TriageInput, own: Reading, repeat: bool, escalate: bool) -> _Source:
    if not inp.history:
        return _Source(own, False, repeat, False, None)
    thread = _thread(inp.history)
    follow_up = repeat or escalate or bool(lx.MARKERS.continuation.search(own.norm))
    if not own.found and thread.latest is not None and follow_up and not own.fixed:
        # a follow-up to an earlier report: the problem persists
        return _Source(thread.latest, True, True, thread.sop_before, thread.bay)
    # the same kind of failure was already reported in this thread
    again = thread.sop_before and any(lx.RULES_BY_KEY[k].sop for k in own.found)
    return _Source(own, False, repeat or again, thread.sop_before, thread.bay)


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class _Severity:
    """The markers of a message that move a problem's priority away from its rule's."""

    wide: bool
    outside: bool  # people are stuck outside the entrance
    common_area: bool
    minor: bool
    unusable: bool
    repeat: bool
    after_fix: bool  # the repeat follows a remote fix ("you reset it, still laggy")
    got_in: bool  # the customer got in in the end

    def priority(self, rule: lx.ProblemRule) -> Priority:
        priority = rule.priority
        if self.wide and rule.wide is not None:
            priority = rule.wide
        if self.outside and rule.outside is not None:
            priority = rule.outside
        if rule.key == "door_locked" and self.repeat and not self.got_in:
            priority = Priority.CRITICAL  # remote unlock failed: nobody can get in
        if self.after_fix and rule.category == Category.TECH and priority.rank < Priority.HIGH.rank:
            priority = Priority.HIGH  # a repeat failure after a reset ("reset it, still laggy")
        if rule.lobby is not None and self.common_area and not self.wide:
            priority = rule.lobby
        if self.minor and not rule.holds_priority and priority.rank < Priority.CRITICAL.rank:
            priority = Priority.LOW
        if self.unusable and not rule.area and priority.rank < Priority.HIGH.rank:
            priority = Priority.HIGH
        return priority


_CLAUSE_BREAK = re.compile(r",|;|\b(?:and|but|then|also|pis|et|mais)\b")


def _hazard_source(text: str) -> Category | None:
    """Whose hazard `text` names: a device's (tech) or the building's (facilities), by the
    one named first (the subject: "the outlet behind the pc", "the pc by the outlet")."""
    device = lx.MARKERS.tech_device.search(text)
    fixture = lx.MARKERS.building_fixture.search(text)
    if device is None:
        return Category.FACILITIES if fixture else None
    if fixture is not None and fixture.start() < device.start():
        return Category.FACILITIES
    return Category.TECH


def _category(rule: lx.ProblemRule, sentences: tuple[Sentence, ...], pos: int) -> Category:
    """A fire or sparks report takes the category of what it comes from, read in its own
    clause first ("projector's dim and the outlet is sparking"), else in its sentence."""
    if rule.key not in ("fire", "sparks"):
        return rule.category
    start, _, sentence = sentence_at(sentences, pos)
    at = pos - start
    breaks = list(_CLAUSE_BREAK.finditer(sentence))
    begin = max((m.end() for m in breaks if m.end() <= at), default=0)
    end = min((m.start() for m in breaks if m.start() > at), default=len(sentence))
    source = _hazard_source(sentence[begin:end]) or _hazard_source(sentence)
    return source or rule.category


def _findings(reading: Reading, severity: _Severity) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    for key, pos in reading.found.items():
        rule = lx.RULES_BY_KEY[key]
        category = _category(rule, reading.sentences, pos)
        findings.append(Finding(rule, severity.priority(rule), pos, category))
    return tuple(sorted(findings, key=lambda f: f.position))


def _beside_first_requests(findings: tuple[Finding, ...], sop_failed: bool) -> tuple[Finding, ...]:
    """Beside another problem, a first report that a remote procedure covers is left to that
    procedure: the ticket is the other problem's ("sim froze, can u reset? also no tees")."""
    if sop_failed:
        return findings
    kept = tuple(f for f in findings if f.rule.sop is None or f.priority == Priority.CRITICAL)
    return kept or findings


def _other_location(reading: Reading, inp: TriageInput) -> str | None:
    """Another configured location named in a sentence that reports a problem."""
    if not inp.known_locations:
        return None
    norm = reading.norm
    spans = {sentence_at(reading.sentences, pos)[:2] for pos in reading.found.values()}
    for start, end in sorted(spans) or [(0, len(norm))]:
        place = lx.find_other_location(norm[start:end], inp.location, inp.known_locations)
        if place:
            return place
    return None


def _severity(norm: str, repeat: bool) -> _Severity:
    markers = lx.MARKERS
    return _Severity(
        wide=bool(markers.wide.search(norm)),
        outside=bool(markers.outside.search(norm)),
        common_area=bool(markers.common_area.search(norm)),
        minor=bool(markers.minor.search(norm)),
        unusable=bool(markers.unusable.search(norm)),
        repeat=repeat,
        after_fix=repeat and bool(markers.remote_fix.search(norm)),
        got_in=bool(markers.got_in.search(norm)),
    )


@lru_cache(maxsize=4096)
def analyse(inp: TriageInput) -> Analysis:
    """What the rules read in `inp` (cached: the gate, the classifier and the policy all ask)."""
    markers = lx.MARKERS
    own = read(lx.normalize(inp.text), inp.has_open_ticket)
    norm = own.norm
    escalate = bool(markers.escalate.search(norm))
    source = _source(inp, own, bool(markers.repeat.search(norm)), escalate)
    severity = _severity(norm, source.repeat)
    past = bool(markers.past.search(norm))
    past_problem = past and bool(markers.billing.search(norm))
    findings = _beside_first_requests(
        _findings(source.reading, severity), source.repeat or escalate
    )
    return Analysis(
        norm=norm,
        findings=findings,
        source_norm=source.reading.norm,
        from_history=source.from_history,
        history_sop=source.history_sop,
        wide=severity.wide,
        repeat=source.repeat,
        escalate=escalate,
        demand=bool(markers.demand.search(norm)),
        danger=bool(markers.danger.search(norm)),
        minor=severity.minor,
        unusable=severity.unusable,
        billing_past=past_problem and not source.repeat,
        fixed=own.fixed,
        # without an open ticket, only a bare confirmation: not a fix from the past, one the
        # message itself reports and settles ("spilled, I wiped it up"), nor one beside a new
        # problem ("door took 2 tries (fine now), vomit in a stall")
        closes=own.fixed and (inp.has_open_ticket or not (own.settled or past or findings)),
        lost_found=bool(markers.lost_found.search(norm)),
        bay=lx.find_bay(norm) or source.thread_bay,
        other_location=_other_location(source.reading, inp),
    )
