"""Are two reports about the same problem? The rules' reading says when they cannot be
(different problems, different things, different rooms), and the embedded model says how
close their meanings are.

Measured with multilingual-e5-small (cosine of a message with a ticket's title and
customer text, same place): the same problem 0.89-0.97 ("no balls in bay 2" / "bay 2 has
no balls left" 0.94); different problems 0.85-0.96 ("no balls in bay 2" / "no tees in bay
2" 0.96, men's toilet overflowing / ladies' room filthy 0.86). The model alone cannot tell
balls from tees, so the rules' reading vetoes first. What the rules cannot tell apart (a
problem no rule reads) scored 0.85-0.90 when different and 0.92-0.96 when the same, hence
`SIMILAR`. See `bot.intake.dedup`.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.tickets.domain import Ticket
from bot.triage import lexicon as lx
from bot.triage.analysis import analyse
from bot.triage.embedding import Embedder, Vectors, load_embedder
from bot.triage.rules import CUSTOMER_WROTE
from bot.triage.subjects import VOCABULARY, subjects_of
from bot.triage.types import TriageInput

#: Cosine at or above which two reports the rules cannot tell apart mean the same problem.
SIMILAR = 0.90
CACHE_SIZE = 1024  # ticket texts whose vectors are kept


@dataclass(frozen=True)
class Reading:
    """What the rules read in a report, for comparing it with another."""

    keys: frozenset[str]  # the problems (lexicon rule keys)
    things: frozenset[str]  # the things it names ("toilet", "stool")
    areas: frozenset[str]  # the rooms it names ("men's", "lounge"), plain "bathroom" aside

    @property
    def kin(self) -> frozenset[str]:
        """Its problems and their weaker readings of the same words (the lexicon's
        `excludes`: "freezing, heater dead" is too cold, and so a heater problem)."""
        return self.keys.union(*(lx.RULES_BY_KEY[k].excludes for k in self.keys))

    @property
    def off_bay(self) -> bool:
        """Every problem it reports is away from the bays (a bathroom, the lobby...)."""
        return bool(self.keys) and all(lx.RULES_BY_KEY[k].area for k in self.keys)


@lru_cache(maxsize=CACHE_SIZE)
def reading_of(text: str) -> Reading:
    analysis = analyse(TriageInput(text=text))
    subjects = subjects_of(analysis)
    return Reading(
        keys=frozenset(f.rule.key for f in analysis.findings),
        things=frozenset(t for s in subjects for t in s.things),
        areas=frozenset(
            s.area for s in subjects if s.area and not VOCABULARY.areas[s.area].fallback
        ),
    )


def conflict(a: Reading, b: Reading) -> str | None:
    """Why the rules say the two reports are different problems, or None when they cannot
    tell: each reads something and nothing in common."""
    if a.keys and b.keys and a.keys.isdisjoint(b.kin) and b.keys.isdisjoint(a.kin):
        return _differ("problems", a.keys, b.keys)
    for what, mine, theirs in (("things", a.things, b.things), ("rooms", a.areas, b.areas)):
        if mine and theirs and mine.isdisjoint(theirs):
            return _differ(what, mine, theirs)
    return None


def _differ(what: str, mine: frozenset[str], theirs: frozenset[str]) -> str:
    return f"different {what}: {', '.join(sorted(mine))} vs {', '.join(sorted(theirs))}"


def ticket_text(ticket: Ticket) -> str:
    """What a ticket says its problem is: its title and the customer's words (the rules'
    description quotes them), or its whole description."""
    quoted = [
        line.removeprefix(CUSTOMER_WROTE)
        for line in ticket.description.splitlines()
        if line.startswith(CUSTOMER_WROTE)
    ]
    return f"{ticket.title}. {quoted[0] if quoted else ticket.description}".strip()


class Meanings:
    """Cosine similarity of texts with the embedded model, off the event loop; the vectors
    of recent texts are kept (a ticket's text changes only when it is edited, and then it
    is another text). Without the model every answer is None."""

    def __init__(self, load: Callable[[], Embedder | None] = load_embedder) -> None:
        self._load = load
        self._cache: OrderedDict[str, Vectors] = OrderedDict()

    async def similarities(self, text: str, others: Sequence[str]) -> list[float] | None:
        """The cosine of `text` with each of `others`; None when the model cannot load."""
        vectors = await self.warm([text, *others])
        if vectors is None:
            return None
        return [float(np.dot(vectors[text], vectors[other])) for other in others]

    async def warm(self, texts: Sequence[str]) -> dict[str, Vectors] | None:
        """The vectors of `texts`, those not kept yet embedded in one call off the event
        loop (none: no hop to a thread at all), and kept; None when the model cannot load.
        Triage warms a message's and its dedup candidates' texts before it takes the
        write lock, so dedup under the lock finds them here."""
        # Taken before the await: other messages' warms (triage decides several at once)
        # may evict these kept vectors while this one waits on the model.
        vectors = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in vectors]
        if missing:
            embedded = await asyncio.to_thread(self._embed, missing)
            if embedded is None:
                return None
            vectors.update(zip(missing, embedded, strict=True))
        for text, vector in vectors.items():
            self._cache[text] = vector
            self._cache.move_to_end(text)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return vectors

    def _embed(self, texts: list[str]) -> Vectors | None:
        embedder = self._load()
        return embedder.embed(texts) if embedder is not None else None
