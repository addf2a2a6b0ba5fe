"""The local model's linear heads on the sentence embedding, and the file that ships them.

Inference is a few numpy dot products; scikit-learn is needed only to train them
(`training`). The weights file (`local_weights.json`, in the package) records the
embedding model it was trained on: weights are worth nothing on another model's vectors,
so `load_heads` refuses a mismatch and triage runs on the rules alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.tickets.domain import Category, Priority

WEIGHTS_PATH = Path(__file__).with_name("local_weights.json")
FORMAT = 1
#: Significant digits kept in the file: enough for the decisions, few enough that
#: training twice writes the same bytes.
DIGITS = 6

Floats = NDArray[np.float64]


class WeightsError(ValueError):
    """A weights file that cannot be used; the message says why."""


def _round(value: float) -> float:
    return float(f"{value:.{DIGITS}g}")


@dataclass(frozen=True)
class LinearHead:
    """A logistic-regression head: one row of weights per class (one row for two classes,
    scoring the second)."""

    classes: tuple[str, ...]
    coef: Floats  # (rows, dimensions)
    intercept: Floats  # (rows,)

    def probabilities(self, vector: Floats) -> Floats:
        """One probability per class, in `classes` order."""
        scores = self.coef @ vector + self.intercept
        if len(self.classes) == 2:
            second = 1.0 / (1.0 + math.exp(-float(scores[0])))
            return np.array([1.0 - second, second])
        shifted = np.exp(scores - scores.max())
        return np.asarray(shifted / shifted.sum(), dtype=np.float64)

    def as_json(self) -> dict[str, Any]:
        return {
            "classes": list(self.classes),
            "intercept": [_round(v) for v in self.intercept],
            "coef": [[_round(v) for v in row] for row in self.coef],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], dimensions: int) -> LinearHead:
        classes = tuple(str(c) for c in data["classes"])
        coef = np.asarray(data["coef"], dtype=np.float64)
        intercept = np.asarray(data["intercept"], dtype=np.float64)
        rows = 1 if len(classes) == 2 else len(classes)
        if coef.shape != (rows, dimensions) or intercept.shape != (rows,):
            raise WeightsError(f"head {classes}: weights of shape {coef.shape}")
        return cls(classes, coef, intercept)


@dataclass(frozen=True)
class Thresholds:
    """Where the ticket probability decides (chosen by cross-validation on the training
    corpus, never on the blind set)."""

    ticket: float  # at or above: the model says ticket
    noise: float  # below (and the rules see nothing): clear noise, no LLM needed
    close: float  # at or above: the model says the message confirms a fix


@dataclass(frozen=True)
class ModelReading:
    """What the heads read in one message."""

    ticket: float  # probability that it deserves a ticket
    category: Category
    priority: Priority
    close: float  # probability that it confirms a fix


#: A message this close (cosine) to a precedent takes its operator's decision. Near
#: paraphrases only: measured on the embedded model, rewordings of dismissed "the playlist
#: is terrible" messages lie at 0.95-0.98 from them, and a real fault in the same words,
#: "there's no music playing in the lounge", at 0.94.
PRECEDENT_SIMILARITY = 0.95


@dataclass(frozen=True)
class Precedent:
    """One operator decision kept beside retrained heads (`retraining`): a message and
    whether it deserved a ticket, and which. A linear head cannot tell "the music is too
    quiet" (dismissed) from "there's no music playing" (a fault): both sit in one corner of
    the embedding space, so a refit moves them together. Precedents decide only for
    messages that say nearly the same."""

    vector: Floats  # the message's embedding, L2-normalised
    ticket: bool
    category: Category | None
    priority: Priority | None

    def as_json(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket,
            "category": self.category and self.category.value,
            "priority": self.priority and self.priority.value,
            "vector": [_round(v) for v in self.vector],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], dimensions: int) -> Precedent:
        vector = np.asarray(data["vector"], dtype=np.float64)
        if vector.shape != (dimensions,):
            raise WeightsError(f"precedent vector of shape {vector.shape}")
        category, priority = data.get("category"), data.get("priority")
        return cls(
            vector,
            bool(data["ticket"]),
            Category(category) if category else None,
            Priority(priority) if priority else None,
        )

    def decide(self, reading: ModelReading) -> ModelReading:
        if not self.ticket or self.category is None or self.priority is None:
            return replace(reading, ticket=0.0)
        return replace(reading, ticket=1.0, category=self.category, priority=self.priority)


@dataclass(frozen=True)
class Heads:
    model: str  # the embedding model the weights were trained on (`embedding.model_id`)
    dimensions: int
    ticket: LinearHead
    category: LinearHead
    priority: LinearHead
    close: LinearHead
    thresholds: Thresholds
    about: Mapping[str, Any]  # the corpus and the cross-validation figures, for people
    precedents: tuple[Precedent, ...] = ()  # only in retrained weights

    def read(self, vector: Floats) -> ModelReading:
        def best(head: LinearHead) -> str:
            return head.classes[int(np.argmax(head.probabilities(vector)))]

        reading = ModelReading(
            ticket=float(self.ticket.probabilities(vector)[1]),
            category=Category(best(self.category)),
            priority=Priority(best(self.priority)),
            close=float(self.close.probabilities(vector)[1]),
        )
        nearest = self.precedent_for(vector)
        return reading if nearest is None else nearest.decide(reading)

    def precedent_for(self, vector: Floats) -> Precedent | None:
        """The most similar precedent at PRECEDENT_SIMILARITY or closer, if any."""
        if not self.precedents:
            return None
        similarity = np.array([p.vector for p in self.precedents]) @ vector
        best = int(np.argmax(similarity))
        return self.precedents[best] if similarity[best] >= PRECEDENT_SIMILARITY else None

    def to_json(self) -> str:
        """The weights file's text: the same heads always give the same bytes."""
        t = self.thresholds
        data = {
            "format": FORMAT,
            "model": self.model,
            "dimensions": self.dimensions,
            "thresholds": {"ticket": t.ticket, "noise": t.noise, "close": t.close},
            "about": self.about,
            "heads": {
                name: head.as_json()
                for name, head in (
                    ("ticket", self.ticket),
                    ("category", self.category),
                    ("priority", self.priority),
                    ("close", self.close),
                )
            },
        }
        if self.precedents:  # absent from the shipped file, which has none
            data["precedents"] = [p.as_json() for p in self.precedents]
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _heads(data: Mapping[str, Any]) -> Heads:
    if data.get("format") != FORMAT:
        raise WeightsError(f"format {data.get('format')!r}, expected {FORMAT}")
    dimensions = int(data["dimensions"])
    heads = {name: LinearHead.from_json(h, dimensions) for name, h in data["heads"].items()}
    t = data["thresholds"]
    return Heads(
        model=str(data["model"]),
        dimensions=dimensions,
        ticket=heads["ticket"],
        category=heads["category"],
        priority=heads["priority"],
        close=heads["close"],
        thresholds=Thresholds(float(t["ticket"]), float(t["noise"]), float(t["close"])),
        about=data.get("about", {}),
        precedents=tuple(Precedent.from_json(p, dimensions) for p in data.get("precedents", ())),
    )


def check_labels(heads: Heads) -> None:
    """The heads' classes are the domain's values (a file from elsewhere may not be)."""
    expected: Sequence[tuple[LinearHead, set[str]]] = (
        (heads.category, {c.value for c in Category}),
        (heads.priority, {p.value for p in Priority}),
    )
    for head, values in expected:
        if set(head.classes) != values:
            raise WeightsError(f"head classes {head.classes}, expected {sorted(values)}")


def load_heads(model: str, dimensions: int, path: Path = WEIGHTS_PATH) -> Heads:
    """The heads in `path`, when they were trained on `model`'s vectors of `dimensions`;
    else WeightsError saying why."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WeightsError(f"{path.name}: {type(exc).__name__}: {exc}") from None
    return parse_heads(text, model, dimensions, path.name)


def parse_heads(text: str, model: str, dimensions: int, source: str) -> Heads:
    """The heads in `text` (`Heads.to_json`, from `source`: a file, a database row), when
    they were trained on `model`'s vectors of `dimensions`; else WeightsError saying why."""
    try:
        heads = _heads(json.loads(text))
        check_labels(heads)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, WeightsError):
            raise
        raise WeightsError(f"{source}: {type(exc).__name__}: {exc}") from None
    if heads.model != model or heads.dimensions != dimensions:
        raise WeightsError(f"{source} was trained on {heads.model!r}, the model here is {model!r}")
    return heads
