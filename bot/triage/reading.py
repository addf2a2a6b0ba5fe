"""Reading one normalised message: its sentences, whether it confirms a fix, and the
problems it reports (rule key -> where), before any thread context or priority."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.tickets.domain import Priority
from bot.triage import lexicon as lx
from bot.triage.patterns import present

Sentence = tuple[int, int, str]  # start, end and text of a sentence of the normalised text

_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")
# Where the clause of a confirmation ends: what follows is another matter ("door took 2 tries
# (fine now), kiosk is slow" reports the kiosk).
_CLAUSE_END = re.compile(r"[,;()]|\b(?:and|et|pis)\b")


@dataclass(frozen=True)
class Reading:
    """What one message says on its own."""

    norm: str  # the message, normalised
    sentences: tuple[Sentence, ...]
    found: dict[str, int]  # rule key -> position of its first credible match
    fixed: bool  # confirms that a problem is gone
    settled: bool  # a problem it names is one it says is gone ("spilled, I wiped it up")


def split_sentences(norm: str) -> tuple[Sentence, ...]:
    return tuple((m.start(), m.end(), m.group()) for m in _SENTENCE.finditer(norm))


def sentence_at(sentences: tuple[Sentence, ...], pos: int) -> Sentence:
    for start, end, text in sentences:
        if start <= pos < end:
            return start, end, text
    return 0, 0, ""


def _fixed_span(start: int, text: str, weak_ok: bool) -> tuple[int, int] | None:
    """The part of a sentence that confirms a fix: from its start to the end of the clause
    holding the confirmation ("projector's fine now | but no balls in bay 2")."""
    markers = lx.MARKERS
    if text.rstrip().endswith("?") or markers.not_fixed.search(text):
        return None
    match = markers.fixed.search(text) or (markers.fixed_weak.search(text) if weak_ok else None)
    if match is None:
        return None
    ends = [
        m.start()
        for m in (
            markers.clause_turn.search(text, match.end()),
            _CLAUSE_END.search(text, match.end()),
        )
        if m is not None
    ]
    return start, start + min(ends, default=len(text))


def _credible(norm: str, pos: int, sentences: tuple[Sentence, ...]) -> bool:
    """A match at `pos` reports a problem here and now."""
    start, end, _ = sentence_at(sentences, pos)
    if lx.MARKERS.hypothetical.search(norm, start, pos):
        return False  # "what if the sim freezes?"
    if lx.MARKERS.elsewhere.search(norm, start, end):
        return False  # "a leak in my basement"
    return not lx.MARKERS.question.match(norm[start:end])  # "is it cold in the bays?"


def _first_match(
    rule: lx.ProblemRule,
    norm: str,
    sentences: tuple[Sentence, ...],
    fixed_spans: list[tuple[int, int]],
) -> int | None:
    """Where the first credible match of any of the rule's patterns is (the earliest of
    each pattern's first one), or None."""
    needles = present(norm)
    first: int | None = None
    for pattern in rule.patterns:
        if pattern.needles is not None and pattern.needles.isdisjoint(needles):
            continue
        for match in pattern.regex.finditer(norm):
            pos = match.start()
            if any(start <= pos < end for start, end in fixed_spans):
                continue  # "the screen was blurry but it's fine now"
            if _credible(norm, pos, sentences):
                first = pos if first is None else min(pos, first)
                break
    return first


def _raw_findings(
    norm: str, sentences: tuple[Sentence, ...], fixed_spans: list[tuple[int, int]]
) -> dict[str, int]:
    """Rule key -> position of its first credible match."""
    found: dict[str, int] = {}
    for rule in lx.candidate_rules(norm):
        pos = _first_match(rule, norm, sentences, fixed_spans)
        if pos is not None:
            found[rule.key] = pos
    for key in list(found):
        for weaker in lx.RULES_BY_KEY[key].excludes:
            found.pop(weaker, None)
    specific = [lx.RULES_BY_KEY[key] for key in found if not lx.RULES_BY_KEY[key].fallback]
    if specific:
        found = {key: pos for key, pos in found.items() if not _replaced(key, specific)}
    return found


def _replaced(key: str, specific: list[lx.ProblemRule]) -> bool:
    """A vague reading gives way to the specific problems read beside it, unless it is a
    location-wide outage none of them can stand for ("all the bays are down, and the sink
    drips": the outage stays)."""
    rule = lx.RULES_BY_KEY[key]
    if not rule.fallback:
        return False
    if rule.priority != Priority.CRITICAL:
        return True
    return any(Priority.CRITICAL in (r.priority, r.wide) for r in specific)


def read(norm: str, has_open_ticket: bool) -> Reading:
    """Read a normalised message; weak confirmations ("all good") count only in a thread
    that has an open ticket."""
    present(norm)  # once for the whole text: its sentences reuse the answer
    sentences = split_sentences(norm)
    fixed_spans = [
        span
        for start, _, text in sentences
        if (span := _fixed_span(start, text, has_open_ticket)) is not None
    ]
    found = _raw_findings(norm, sentences, fixed_spans)
    settled = bool(fixed_spans) and bool(_raw_findings(norm, sentences, []).keys() - found.keys())
    return Reading(
        norm=norm, sentences=sentences, found=found, fixed=bool(fixed_spans), settled=settled
    )
