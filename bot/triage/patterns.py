"""Compiled triage patterns: accent-free and squeezed like the text they read, with a cheap
pre-check.

The text a pattern reads has its accents stripped and every run of a repeated letter
squeezed to one letter (see `lexicon.normalize`), so a pattern is stripped
(`strip_accents`: "gelé" reads "gele") and squeezed (`squeeze_pattern`) the same way when
compiled. Before a regex runs, `Rx` checks that the text holds one of the strings
("needles") that every match needs: most patterns, for most messages, never run at all.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

# One unit of a regex that squeezing leaves whole: an escape, a character class, a
# repetition count, a group opening, or any other single character.
_TOKEN = re.compile(
    r"\\.?|\[[^\]]*\]|\{[^}]*\}|\(\?(?:P<\w+>|<=|<!|[:=!])|[^\[{]",
    re.DOTALL,
)


def _tokens(pattern: str) -> Iterator[str]:
    pos = 0
    while pos < len(pattern):
        token = _TOKEN.match(pattern, pos)
        if token is None:
            raise ValueError(f"unclosed {pattern[pos]!r} at {pos} in pattern {pattern!r}")
        yield token.group()
        pos = token.end()


def strip_accents(text: str) -> str:
    """`text` decomposed (NFKD) without its combining marks: "gelé" -> "gele", "ç" -> "c"."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def squeeze_pattern(pattern: str) -> str:
    """Squeeze repeated literal letters of a regex the way `normalize` squeezes text."""
    out: list[str] = []
    previous_letter: str | None = None
    for token in _tokens(pattern):
        if len(token) == 1 and "a" <= token <= "z":
            if token == previous_letter:
                continue
            previous_letter = token
        else:
            previous_letter = None
        out.append(token)
    return "".join(out)


_sre: Any = importlib.import_module("re._parser")  # the stdlib regex parser (no stubs)
_MIN_NEEDLE = 3


def _needles(items: Any) -> frozenset[str] | None:
    """Strings one of which every match of the parsed regex `items` must contain (None: no
    such guarantee). Sound by construction: only mandatory parts of the regex count."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= _MIN_NEEDLE:
            candidates.append(frozenset({"".join(run)}))
        run.clear()

    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            run.append(chr(av))
            continue
        flush()
        found: frozenset[str] | None = None
        if name == "SUBPATTERN":
            found = _needles(av[-1])
        elif name == "BRANCH":
            branches = [_needles(branch) for branch in av[1]]
            if all(b is not None for b in branches):
                found = frozenset().union(*(b for b in branches if b is not None))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
            found = _needles(av[2])
        if found:
            candidates.append(found)
    flush()
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(len(n) for n in c), -len(c)))


_NEEDLES_BY_TRIGRAM: dict[str, set[str]] = {}  # every pattern's needles, by first 3 letters
_last_seen: tuple[str, frozenset[str]] = ("", frozenset())


def _present(text: str) -> frozenset[str]:
    """The needles (of every pattern) that `text` holds, or a superset of them: the answer
    for the latest whole text also serves its parts (its sentences)."""
    global _last_seen
    seen_text, seen = _last_seen
    if text not in seen_text:
        trigrams = {text[i : i + 3] for i in range(len(text) - 2)}
        seen = frozenset(
            needle
            for trigram in trigrams.intersection(_NEEDLES_BY_TRIGRAM)
            for needle in _NEEDLES_BY_TRIGRAM[trigram]
            if needle in text
        )
        _last_seen = (text, seen)
    return seen


def present(text: str) -> frozenset[str]:
    """Look for every needle in `text` once (before its parts are matched)."""
    return _present(text)


class Rx:
    """A compiled pattern with a cheap pre-check: when the text holds none of the strings
    every match needs, the regex is not run at all (most rules, for most messages)."""

    __slots__ = ("needles", "pattern", "regex")

    def __init__(self, source: str) -> None:
        self.pattern = squeeze_pattern(strip_accents(source))
        self.regex = re.compile(self.pattern)
        self.needles = _needles(_sre.parse(self.pattern))
        for needle in self.needles or ():
            _NEEDLES_BY_TRIGRAM.setdefault(needle[:_MIN_NEEDLE], set()).add(needle)

    def _may_match(self, text: str) -> bool:
        return self.needles is None or not self.needles.isdisjoint(_present(text))

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        if not self._may_match(text):
            return None
        return self.regex.search(text, pos, len(text) if endpos is None else endpos)

    def match(self, text: str) -> re.Match[str] | None:
        return self.regex.match(text) if self._may_match(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text) if self._may_match(text) else iter(())
