"""The rules triage's vocabulary: the data file it is read from, normalisation, bay
numbers, and the needle prefilter of its patterns."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from importlib import resources

import pytest

from bot.triage import lexicon as lx
from bot.triage import patterns
from bot.triage.analysis import analyse
from bot.triage.engine import triage_rules
from bot.triage.scoring import load_examples
from bot.triage.types import TriageInput
from tests.support.paths import REPO
from tests.triage.helpers import DEV, HIGH, HOLDOUT, LOCATIONS, TECH, assert_ticket, decide

# --------------------------------------------------------------------------- the data file


def _shipped_text() -> str:
    return resources.files("bot.triage").joinpath(lx.LEXICON_FILE).read_text(encoding="utf-8")


def test_the_data_file_ships_with_the_package() -> None:
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs = package_data["tool"]["setuptools"]["package-data"]["bot"]
    assert any(fnmatch(f"triage/{lx.LEXICON_FILE}", glob) for glob in globs)
    parsed = lx.parse_lexicon(_shipped_text())
    assert [rule.key for rule in parsed.rules] == [rule.key for rule in lx.RULES]
    assert [p.pattern for r in parsed.rules for p in r.patterns] == [
        p.pattern for r in lx.RULES for p in r.patterns
    ]


def test_a_long_pattern_reads_as_one_line_with_its_word_lists() -> None:
    words = {"device": "(?:pc|sim)"}
    assert lx.expand("\\b{device}\n    |bay \\d{1,2}", words) == "\\b(?:pc|sim)|bay \\d{1,2}"
    with pytest.raises(ValueError, match=r"unknown word list \{screen\}"):
        lx.expand("{screen} is black", words)


def test_a_data_file_naming_an_unknown_word_list_is_refused() -> None:
    text = _shipped_text().replace("'\\b(?:sparks?|", "'\\b{sparkles}(?:sparks?|", 1)
    assert "{sparkles}" in text
    with pytest.raises(ValueError, match=r"unknown word list \{sparkles\}"):
        lx.parse_lexicon(text)


def test_a_data_file_excluding_an_unknown_rule_is_refused() -> None:
    text = _shipped_text().replace('excludes = ["leak"]', 'excludes = ["leek"]', 1)
    assert '"leek"' in text
    with pytest.raises(ValueError, match="excludes names no rule"):
        lx.parse_lexicon(text)


# --------------------------------------------------------------------------- reading text


@pytest.mark.parametrize(
    ("text", "bay"),
    [
        ("bay 2", 2),
        ("box 3's projector", 3),
        ("in b4 now", 4),
        ("#5 is cold", 5),
        ("bay2", 2),
        ("baie 6", 6),
        ("la boîte 1", 1),
        ("bay two", 2),
        ("b4 we start", None),
        ("all 4 of us", None),
    ],
)
def test_bay_numbers(text: str, bay: int | None) -> None:
    assert lx.find_bay(lx.normalize(text)) == bay


def test_normalisation_tolerates_typos_accents_and_emoji() -> None:
    assert lx.normalize("FROZENNNN   sooo Bouchée 🥶") == "frozen so bouche cold"
    assert lx.normalize("the heat is offfff") == "the heat is off"  # "off" is not "of"


def _every_pattern() -> list[str]:
    """Every compiled pattern that reads normalised text: the lexicon's and the titles'."""
    from bot.triage.subjects import VOCABULARY

    markers = [getattr(lx.MARKERS, name) for name in type(lx.MARKERS).model_fields]
    found = [p.pattern for rule in lx.RULES for p in rule.patterns]
    found += [p.pattern for p in markers] + [lx.LEXICON.bays.pattern.pattern]
    found += [p.pattern for p in (*VOCABULARY.things.values(), *VOCABULARY.faults.values())]
    found += [area.pattern.pattern for area in VOCABULARY.areas.values()]
    return found


def test_no_compiled_pattern_keeps_an_accent_the_text_has_lost() -> None:
    # Text is matched with its accents stripped, so "planté" or "gelé" in a pattern could
    # never match: every pattern is stripped the same way when compiled.
    accented = [p for p in _every_pattern() if patterns.strip_accents(p) != p]
    assert accented == []
    assert patterns.Rx(r"\b(?:planté|gelé|ça gèle)\b").pattern == r"\b(?:plante|gele|ca gele)\b"
    assert patterns.Rx("gelé").search(lx.normalize("c'est GELÉ")) is not None


@pytest.mark.parametrize(
    "text",
    [
        "c'est gelé encore, on a reset deux fois",
        "ça a planté 3 fois a soir malgré vos resets",
        "tout a planté, même après le reset",
    ],
)
def test_a_french_freeze_after_a_reset_is_read(text: str) -> None:
    # The sim_frozen rule's bare "planté"/"gelé" (as English "crashed"/"frozen").
    assert "sim_frozen" in _rules_read(text)
    assert_ticket(decide(text, location="Moncton"), TECH, HIGH)


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("on gèle icitte dans la boîte 4", {"too_cold"}),  # the cold, not a frozen sim
        ("ça gèle dans la baie 1", {"too_cold"}),
        ("la plante dans le lobby est morte", set()),  # a potted plant
    ],
)
def test_french_freezing_cold_and_plants_are_no_frozen_sim(text: str, rules: set[str]) -> None:
    assert _rules_read(text) == rules


def _rules_read(text: str) -> set[str]:
    inp = TriageInput(text=text, location="Moncton")
    return {finding.rule.key for finding in analyse(inp).findings}


def test_the_needle_prefilter_never_changes_a_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = [e.to_input(LOCATIONS) for e in load_examples(DEV) + load_examples(HOLDOUT)]
    from bot.triage import analysis

    analysis.analyse.cache_clear()
    fast = [triage_rules(inp) for inp in inputs]
    analysis.analyse.cache_clear()
    every_needle = frozenset().union(*patterns._NEEDLES_BY_TRIGRAM.values())
    monkeypatch.setattr(patterns, "_present", lambda text: every_needle)  # run every regex
    slow = [triage_rules(inp) for inp in inputs]
    analysis.analyse.cache_clear()
    assert fast == slow
