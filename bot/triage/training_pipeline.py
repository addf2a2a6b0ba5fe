"""How "rules or model" is tuned: on out-of-fold decisions of the whole pipeline.

For each fold of the training corpus, heads are fitted on the rest, and every held-out
message goes through what triage runs (the SOP gate, the rules beside the model, the
policy). The ticket threshold is the one whose decisions score best on the issue's
figures (ticket F1, category and priority within one step over every labelled ticket);
the same folds give the figures of the rules alone and of the model alone. Nothing of the
blind set is read here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.triage import training_cv as cv
from bot.triage.engine import triage_with
from bot.triage.heads import Heads, ModelReading, Thresholds
from bot.triage.labelled import Example, known_locations
from bot.triage.local import combine
from bot.triage.rules import classify_text
from bot.triage.scoring import Scores, score
from bot.triage.types import TriageDecision, TriageInput

Figures = dict[str, float]


def _labels(examples: Sequence[Example], field: str) -> NDArray[Any]:
    values = [getattr(e, field) for e in examples]
    return np.array([getattr(v, "value", v) for v in values])


@dataclass(frozen=True)
class Task:
    """The corpus as the four heads see it."""

    vectors: NDArray[np.float64]
    customer: NDArray[np.bool_]  # operators' messages never open tickets: not taught as such
    tickets: NDArray[np.bool_]
    category: NDArray[Any]  # one per example (None where no ticket)
    priority: NDArray[Any]
    close: NDArray[np.bool_]

    @classmethod
    def of(cls, examples: Sequence[Example], vectors: NDArray[np.float64]) -> Task:
        return cls(
            vectors=vectors,
            customer=np.array([not e.from_operator for e in examples]),
            tickets=np.array([e.should_ticket for e in examples]),
            category=_labels(examples, "category"),
            priority=_labels(examples, "priority"),
            close=np.array([e.suggest_close for e in examples]),
        )

    def heads(self, rows: NDArray[np.intp], cs: Mapping[str, float], base: Heads) -> Heads:
        """`base` with its four heads refitted on `rows` only."""
        chosen = np.zeros(len(self.tickets), dtype=bool)
        chosen[rows] = True
        customer, tickets = chosen & self.customer, chosen & self.tickets
        x = self.vectors
        return replace(
            base,
            ticket=cv.fit_head(x[customer], self.tickets[customer], cs["ticket"]),
            category=cv.fit_head(x[tickets], self.category[tickets], cs["category"]),
            priority=cv.fit_head(x[tickets], self.priority[tickets], cs["priority"]),
            close=cv.fit_head(x[chosen], self.close[chosen], cs["close"]),
        )


def figures(scores: Scores) -> Figures:
    return {
        "ticket_f1": scores.ticket_f1,
        "category_all_tickets": scores.ticket_category_accuracy,
        "priority_within_one": scores.ticket_priority_within_one,
        "critical_recall": scores.critical_recall,
        "suggest_close_accuracy": scores.suggest_close_accuracy,
    }


def objective(f: Figures) -> float:
    return (f["ticket_f1"] + f["category_all_tickets"] + f["priority_within_one"]) / 3


@dataclass(frozen=True)
class _Repeat:
    """One repeat of the folds: every example read by heads that did not see it."""

    readings: list[ModelReading]
    heads: list[Heads]  # the heads that read each example


class PipelineFolds:
    """Out-of-fold model readings of the corpus, and the pipeline decided on them."""

    def __init__(
        self, examples: Sequence[Example], task: Task, cs: Mapping[str, float], base: Heads
    ) -> None:
        self.examples = list(examples)
        known = known_locations(examples)
        self.inputs = [e.to_input(known) for e in examples]
        self.rules = [classify_text(inp) for inp in self.inputs]
        self.repeats = [self._repeat(task, cs, base, splits) for splits in _by_repeat(task)]

    def _repeat(
        self, task: Task, cs: Mapping[str, float], base: Heads, splits: cv.Folds
    ) -> _Repeat:
        readings: list[ModelReading | None] = [None] * len(self.examples)
        heads: list[Heads | None] = [None] * len(self.examples)
        for train, test in splits:
            fold = task.heads(train, cs, base)
            for i in test:
                readings[i], heads[i] = fold.read(task.vectors[i]), fold
        assert all(r is not None for r in readings)
        return _Repeat([r for r in readings if r], [h for h in heads if h])

    def decide(self, thresholds: Thresholds, mode: str) -> Figures:
        """The pipeline's figures, averaged over the repeats; `mode` is `local`, `model`
        (the model alone) or `rules`."""
        totals: Figures = {}
        for repeat in self.repeats:
            decisions = [self._one(repeat, i, thresholds, mode) for i in range(len(self.inputs))]
            for name, value in figures(score(self.examples, decisions)).items():
                totals[name] = totals.get(name, 0.0) + value / len(self.repeats)
        return {name: round(value, 3) for name, value in totals.items()}

    def _one(self, repeat: _Repeat, i: int, thresholds: Thresholds, mode: str) -> TriageDecision:
        heads = replace(repeat.heads[i], thresholds=thresholds)

        def classify(inp: TriageInput) -> TriageDecision:
            if mode == "rules":
                return self.rules[i]
            with_rules = mode == "local"
            return combine(inp, self.rules[i], repeat.readings[i], heads, with_rules=with_rules)

        return triage_with(self.inputs[i], classify)


def _by_repeat(task: Task) -> list[cv.Folds]:
    splits = cv.folds(task.tickets)
    return [splits[r * cv.FOLDS : (r + 1) * cv.FOLDS] for r in range(cv.REPEATS)]


def tune(folds: PipelineFolds, base: Thresholds) -> tuple[Thresholds, dict[str, Figures]]:
    """The ticket threshold whose out-of-fold pipeline scores best (a tie goes to the one
    nearest 0.5), and the figures of the rules, the local backend and the model alone."""
    ranked = []
    for t in cv.THRESHOLD_GRID:
        candidate = replace(base, ticket=t)
        ranked.append((-objective(folds.decide(candidate, "local")), abs(t - 0.5), t))
    best = replace(base, ticket=min(ranked)[2])
    best = replace(best, noise=min(best.noise, best.ticket))
    report = {mode: folds.decide(best, mode) for mode in ("rules", "local", "model")}
    return best, report
