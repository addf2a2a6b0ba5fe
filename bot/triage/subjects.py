"""What a problem is about, as a title names it: the thing ("toilet", "stool", "projector"),
its fault ("overflowing", "wobbly") and its place besides a bay ("men's room", "lounge"),
read in the sentence that reports it.

The vocabulary is `titles.toml`; every name there is ours, so a title made of them never
carries the customer's words (nor an instruction hidden in them). Dedup compares the
things and places two reports name (`bot.intake.dedup`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from bot.triage import lexicon as lx
from bot.triage.analysis import Analysis, Finding
from bot.triage.patterns import Rx
from bot.triage.reading import Sentence, sentence_at, split_sentences

TITLES_FILE = "titles.toml"


def _compile(source: object) -> object:
    if not isinstance(source, str):
        return source
    try:
        return Rx(lx.expand(source, lx.LEXICON.words))
    except (re.error, ValueError) as exc:
        raise ValueError(f"bad pattern: {exc}") from None


Pattern = Annotated[Rx, BeforeValidator(_compile)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Area(_Table):
    pattern: Pattern
    prefix: str  # opens a title: "Men's toilet overflowing" (empty: never opens one)
    inside: str  # ends one: "No soap in the ladies' room"
    fallback: bool = False  # named only when the sentence names no other area


class TitleRule(_Table):
    """How one lexicon rule names its problem (the data file describes each field)."""

    name: str | None = None
    thing: str = ""
    fault: str = ""
    none: bool = False
    things: tuple[str, ...] = ()
    faults: tuple[str, ...] = ()


class Vocabulary(_Table):
    things: dict[str, Pattern]
    faults: dict[str, Pattern]
    areas: dict[str, Area]
    rules: dict[str, TitleRule]

    @model_validator(mode="after")
    def _names_known(self) -> Vocabulary:
        unknown = set(self.rules) - set(lx.RULES_BY_KEY)
        for rule in self.rules.values():
            unknown |= set(rule.things) - set(self.things)
            unknown |= set(rule.faults) - set(self.faults)
        if unknown:
            raise ValueError(f"unknown rules, things or faults: {sorted(unknown)}")
        return self


def parse_vocabulary(text: str) -> Vocabulary:
    data: dict[str, Any] = tomllib.loads(text)
    return Vocabulary.model_validate(data)


VOCABULARY = parse_vocabulary(
    resources.files("bot.triage").joinpath(TITLES_FILE).read_text(encoding="utf-8")
)
_AREA_PATTERNS = {name: area.pattern for name, area in VOCABULARY.areas.items()}


@dataclass(frozen=True)
class Subject:
    """What one finding is about: the things, fault and area its sentence names (empty or
    None when it names none), and how its rule titles it."""

    key: str
    things: tuple[str, ...]  # the nearest to the problem first; at most two
    fault: str | None
    area: str | None  # a key of VOCABULARY.areas
    rule: TitleRule


def _distance(match: re.Match[str], pos: int) -> int:
    """How far a match is from `pos`: 0 when it covers it."""
    return max(match.start() - pos, pos - match.end(), 0)


def _nearest(
    patterns: dict[str, Rx], names: tuple[str, ...], text: str, pos: int
) -> list[tuple[int, str]]:
    """(distance, name) of the `names` whose pattern matches `text`, nearest to `pos` first
    (ties: in the order of `names`)."""
    found: list[tuple[int, int, str]] = []
    for order, name in enumerate(names):
        distances = [_distance(m, pos) for m in patterns[name].finditer(text)]
        if distances:
            found.append((min(distances), order, name))
    return [(distance, name) for distance, _, name in sorted(found)]


def _area(finding: Finding, sentence: str, pos: int) -> str | None:
    """The area nearest the problem (a plain "bathroom" only when no other is named); for
    a problem tied to a bay, only when it is nearer than any bay the sentence names."""
    areas = _nearest(_AREA_PATTERNS, tuple(_AREA_PATTERNS), sentence, pos)
    specific = [a for a in areas if not VOCABULARY.areas[a[1]].fallback]
    if not (specific or areas):
        return None
    distance, name = (specific or areas)[0]
    if finding.rule.area:
        return name
    bays = [_distance(m, pos) for m in lx.LEXICON.bays.pattern.finditer(sentence)]
    return name if not bays or distance < min(bays) else None


def subject_of(finding: Finding, norm: str, sentences: tuple[Sentence, ...]) -> Subject:
    """The subject of `finding`, read in its sentence of `norm` (the text it was found in)."""
    rule = VOCABULARY.rules.get(finding.rule.key, TitleRule())
    start, _, sentence = sentence_at(sentences, finding.position)
    pos = finding.position - start
    things = _nearest(VOCABULARY.things, rule.things, sentence, pos)
    faults = _nearest(VOCABULARY.faults, rule.faults, sentence, pos)
    return Subject(
        key=finding.rule.key,
        things=tuple(name for _, name in things[:2]),
        fault=faults[0][1] if faults else None,
        area=_area(finding, sentence, pos),
        rule=rule,
    )


def subjects_of(analysis: Analysis) -> tuple[Subject, ...]:
    """The subject of each finding of `analysis`, in its order."""
    norm = analysis.source_norm
    sentences = split_sentences(norm)
    return tuple(subject_of(finding, norm, sentences) for finding in analysis.findings)
