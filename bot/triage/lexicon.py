"""The rules triage's vocabulary, read once from `lexicon.toml`, and the text it reads.

Matching runs on normalised text (see `normalize`): lower case, accents stripped, curly
quotes straightened, a few emoji spelled out, and every run of a repeated letter squeezed
to one letter ("frozennnn" -> "frozen", "balls" -> "bals"). The patterns of the data file
are written in plain spelling, and stripped of accents and squeezed the same way when
compiled (`patterns.Rx`), so "pleeease", "ballz" and "projecter" style typos still meet
them, and a pattern's "gelé" meets a message's "gele" or "gelé".
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, model_validator

from bot.tickets.domain import Category, Priority
from bot.triage.patterns import Rx, present, strip_accents

LEXICON_FILE = "lexicon.toml"

# --------------------------------------------------------------------------- the data file

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_LINE_BREAK = re.compile(r"\n[ \t]*")


def expand(template: str, words: Mapping[str, str]) -> str:
    """`template` as one line (a line break and the indentation after it dropped) with each
    `{name}` replaced by `words[name]` (regex counts like `{1,2}` are not names)."""

    def word(match: re.Match[str]) -> str:
        try:
            return words[match[1]]
        except KeyError:
            raise ValueError(f"unknown word list {match[0]}") from None

    return _PLACEHOLDER.sub(word, _LINE_BREAK.sub("", template))


def _compile(source: object, info: ValidationInfo) -> object:
    """A pattern of the file, its word lists filled in (`context["words"]`), compiled."""
    if not isinstance(source, str):
        return source
    words: Mapping[str, str] = (info.context or {}).get("words", {})
    try:
        return Rx(expand(source, words))
    except (re.error, ValueError) as exc:
        raise ValueError(f"bad pattern: {exc}") from None


Pattern = Annotated[Rx, BeforeValidator(_compile)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class ProblemRule(_Table):
    """One kind of problem: what it is, how bad by default, how to recognise it (the data
    file describes each field)."""

    key: str
    label: str
    category: Category
    priority: Priority
    patterns: tuple[Pattern, ...]
    sop: str | None = None  # the device whose remote procedure covers a first report
    wide: Priority | None = None  # the priority when the whole location is hit
    area: bool = False  # not tied to a bay
    hazard: bool = False
    firm: bool = False
    lobby: Priority | None = None  # the priority when it is in a common area
    outside: Priority | None = None  # the priority when people are stuck outside
    fallback: bool = False  # a vague reading, dropped when any specific problem is found
    excludes: tuple[str, ...] = ()  # weaker readings of the same words this one replaces

    @property
    def holds_priority(self) -> bool:
        """Hedges like "not a big deal" do not lower hazards, sanitation or outages."""
        return self.hazard or self.firm


class Markers(_Table):
    """What a message says beyond its problems; the data file says what each one reads."""

    wide: Pattern
    outside: Pattern
    common_area: Pattern
    escalate: Pattern
    repeat: Pattern
    remote_fix: Pattern
    got_in: Pattern
    continuation: Pattern
    elsewhere: Pattern
    question: Pattern
    hypothetical: Pattern
    billing: Pattern
    past: Pattern
    demand: Pattern
    danger: Pattern
    lost_found: Pattern
    minor: Pattern
    unusable: Pattern
    fixed: Pattern
    fixed_weak: Pattern
    not_fixed: Pattern
    clause_turn: Pattern
    operator_reset: Pattern
    thanks: Pattern
    greeting: Pattern
    visit: Pattern
    trouble: Pattern
    tech_device: Pattern
    building_fixture: Pattern


class Bays(_Table):
    pattern: Pattern  # groups `n` (a digit or a number word), `b` ("b4") and `h` ("#4")
    number_words: dict[str, int]


class Places(_Table):
    pattern: str  # `{place}` stands for a location's normalised name (see _place_pattern)


class Lexicon(_Table):
    emoji: dict[str, str]
    words: dict[str, str]
    markers: Markers
    bays: Bays
    places: Places
    rules: tuple[ProblemRule, ...]

    @model_validator(mode="after")
    def _rules_known(self) -> Lexicon:
        keys = [rule.key for rule in self.rules]
        if len(set(keys)) != len(keys):
            raise ValueError("two rules share a key")
        unknown = {name for rule in self.rules for name in rule.excludes} - set(keys)
        if unknown:
            raise ValueError(f"excludes names no rule: {sorted(unknown)}")
        return self


def parse_lexicon(text: str) -> Lexicon:
    """The lexicon of a data file's text (raise ValueError when it is not valid)."""
    data: dict[str, Any] = tomllib.loads(text)
    words = {name: expand(piece, {}) for name, piece in data.get("words", {}).items()}
    return Lexicon.model_validate(data, context={"words": words})


def _load() -> Lexicon:
    resource = resources.files("bot.triage").joinpath(LEXICON_FILE)
    return parse_lexicon(resource.read_text(encoding="utf-8"))


LEXICON = _load()
MARKERS = LEXICON.markers
# Order matters for ties: among problems of equal priority the earlier rule names the ticket.
RULES = LEXICON.rules
RULES_BY_KEY: dict[str, ProblemRule] = {rule.key: rule for rule in RULES}
RULE_ORDER: dict[str, int] = {rule.key: index for index, rule in enumerate(RULES)}


def _needle_index(rules: tuple[ProblemRule, ...]) -> tuple[frozenset[str], dict[str, set[str]]]:
    """Rules that must always be tried, and needle -> rules that need it."""
    always = frozenset(r.key for r in rules if any(p.needles is None for p in r.patterns))
    by_needle: dict[str, set[str]] = {}
    for rule in rules:
        for pattern in rule.patterns:
            for needle in pattern.needles or ():
                by_needle.setdefault(needle, set()).add(rule.key)
    return always, by_needle


_RULES_ALWAYS, _RULES_BY_NEEDLE = _needle_index(RULES)


def candidate_rules(text: str) -> list[ProblemRule]:
    """The rules that can match `text` (in table order): the others lack every needle."""
    keys = set(_RULES_ALWAYS)
    for needle in present(text):
        keys.update(_RULES_BY_NEEDLE.get(needle, ()))
    return [rule for rule in RULES if rule.key in keys]


# --------------------------------------------------------------------------- normalisation

_QUOTES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u201c": '"', "\u201d": '"'}
)
_REPEATS = re.compile(r"([a-z])\1+")
_SPACES = re.compile(r"[ \t\r\f\v]+")
# Words whose squeezed form is another word that matters ("off" -> "of") keep their double
# letter (a NUL splits it from squeezing); patterns spell them `of(?:f)`, `lo(?:o)se`.
_UNSQUEEZED = (
    (re.compile(r"\bof{2,}\b"), "of\x00f"),
    (re.compile(r"\blo{2,}se\b"), "lo\x00ose"),
)


def normalize(text: str) -> str:
    """Lower-case, accent-free, emoji spelled out, repeated letters squeezed."""
    for emoji, words in LEXICON.emoji.items():
        if emoji in text:
            text = text.replace(emoji, words)
    text = strip_accents(text.translate(_QUOTES)).casefold()
    for pattern, kept in _UNSQUEEZED:
        text = pattern.sub(kept, text)
    text = _REPEATS.sub(r"\1", text).replace("\x00", "")
    return _SPACES.sub(" ", text).strip()


# --------------------------------------------------------------------------- bays and places


def bays_named(norm: str) -> tuple[int, ...]:
    """Every bay number the normalised text names ("bay 2", "box 3", "b4", "#2"), in order."""
    bays: list[int] = []
    for match in LEXICON.bays.pattern.finditer(norm):
        raw = match.group("n") or match.group("b") or match.group("h")
        if raw is None:
            continue
        value = int(raw) if raw.isdigit() else LEXICON.bays.number_words.get(raw)
        if value is not None and 0 < value < 100:
            bays.append(value)
    return tuple(bays)


def find_bay(norm: str) -> int | None:
    """The first bay number the normalised text names."""
    return next(iter(bays_named(norm)), None)


@lru_cache(maxsize=256)
def _place_pattern(name: str) -> tuple[str, re.Pattern[str]]:
    key = normalize(name)
    return key, re.compile(expand(LEXICON.places.pattern, {"place": re.escape(key)}))


def find_other_location(
    norm: str, channel_location: str | None, known: tuple[str, ...]
) -> str | None:
    """A configured location the text says the problem is at, other than the channel's."""
    own = _place_pattern(channel_location)[0] if channel_location else None
    for name in known:
        key, pattern = _place_pattern(name)
        if key and key != own and key in norm and pattern.search(norm):
            return name
    return None
