"""Score triage decisions against labelled examples (read by `labelled`).

Besides the per-field figures on tickets both labelled and opened, the issue's figures count
a missed ticket as wrong: category accuracy and priority within one step over every
labelled ticket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bot.tickets.domain import Priority
from bot.triage.labelled import Example, ExampleError, known_locations, load_examples
from bot.triage.types import TriageDecision, TriageInput

__all__ = [
    "Example",
    "ExampleError",
    "Miss",
    "Scores",
    "evaluate",
    "known_locations",
    "load_examples",
    "score",
]


@dataclass(frozen=True)
class Miss:
    id: str
    field: str
    expected: str
    got: str
    text: str


@dataclass(frozen=True)
class Scores:
    n: int
    tp: int
    fp: int
    fn: int
    tn: int
    ticket_precision: float
    ticket_recall: float
    ticket_f1: float
    category_accuracy: float
    category_n: int
    priority_accuracy: float
    priority_n: int
    critical_recall: float
    critical_n: int
    # The figures: over every labelled ticket, a missed ticket counting as wrong.
    ticket_category_accuracy: float
    ticket_priority_within_one: float
    tickets_n: int
    suggest_close_accuracy: float
    location_accuracy: float
    location_n: int
    misses: tuple[Miss, ...] = field(default=())

    def as_dict(self) -> dict[str, float | int]:
        return {
            "examples": self.n,
            "ticket_precision": round(self.ticket_precision, 4),
            "ticket_recall": round(self.ticket_recall, 4),
            "ticket_f1": round(self.ticket_f1, 4),
            "category_accuracy": round(self.category_accuracy, 4),
            "priority_accuracy": round(self.priority_accuracy, 4),
            "critical_recall": round(self.critical_recall, 4),
            "ticket_category_accuracy": round(self.ticket_category_accuracy, 4),
            "ticket_priority_within_one": round(self.ticket_priority_within_one, 4),
            "suggest_close_accuracy": round(self.suggest_close_accuracy, 4),
            "location_accuracy": round(self.location_accuracy, 4),
        }

    def report(self) -> str:
        """Human-readable summary (the README quotes these lines)."""
        return "\n".join(
            [
                f"examples             {self.n}",
                f"ticket F1            {self.ticket_f1:.3f}"
                f"  (precision {self.ticket_precision:.3f},"
                f" recall {self.ticket_recall:.3f}; tp {self.tp} fp {self.fp} fn {self.fn}"
                f" tn {self.tn})",
                f"category accuracy    {self.category_accuracy:.3f}  (on {self.category_n}"
                " tickets both labelled and opened)",
                f"priority accuracy    {self.priority_accuracy:.3f}  (on {self.priority_n})",
                f"critical recall      {self.critical_recall:.3f}  (of {self.critical_n} critical)",
                f"category, all tickets {self.ticket_category_accuracy:.3f}  (of {self.tickets_n}"
                " labelled tickets, a missed ticket counts as wrong)",
                f"priority within one  {self.ticket_priority_within_one:.3f}  (of {self.tickets_n}"
                " labelled tickets, a missed ticket counts as wrong)",
                f"suggest_close acc.   {self.suggest_close_accuracy:.3f}",
                (
                    f"location accuracy    {self.location_accuracy:.3f}  (on {self.location_n}"
                    " labelled other-location tickets)"
                    if self.location_n
                    else "location accuracy    n/a    (no labelled other-location tickets)"
                ),
            ]
        )


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


@dataclass
class _Tally:
    """Counts (and misses) while decisions are compared with their labels."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    opened: int = 0  # labelled a ticket and opened one: category and priority are compared
    category_ok: int = 0
    priority_ok: int = 0
    priority_near: int = 0  # opened at most one priority step from the label
    critical_n: int = 0
    critical_ok: int = 0
    close_ok: int = 0
    location_n: int = 0
    location_ok: int = 0
    misses: list[Miss] = field(default_factory=list)

    def _miss(self, example: Example, name: str, expected: object, got: object) -> None:
        self.misses.append(Miss(example.id, name, str(expected), str(got), example.text))

    def _ticket(self, example: Example, decision: TriageDecision) -> None:
        if example.should_ticket and decision.should_ticket:
            self.tp += 1
        elif decision.should_ticket:
            self.fp += 1
            self._miss(example, "should_ticket", False, True)
        elif example.should_ticket:
            self.fn += 1
            self._miss(example, "should_ticket", True, False)
        else:
            self.tn += 1

    def _opened(self, example: Example, decision: TriageDecision) -> None:
        self.opened += 1
        if decision.category == example.category:
            self.category_ok += 1
        else:
            self._miss(example, "category", example.category, decision.category)
        if decision.priority == example.priority:
            self.priority_ok += 1
        else:
            self._miss(example, "priority", example.priority, decision.priority)
        if example.priority and decision.priority:
            self.priority_near += abs(example.priority.rank - decision.priority.rank) <= 1
        if example.ticket_location:
            self.location_n += 1
            if (decision.location or "").casefold() == example.ticket_location.casefold():
                self.location_ok += 1
            else:
                self._miss(example, "location", example.ticket_location, decision.location)

    def add(self, example: Example, decision: TriageDecision) -> None:
        self._ticket(example, decision)
        if example.should_ticket and decision.should_ticket:
            self._opened(example, decision)
        if example.priority == Priority.CRITICAL:
            self.critical_n += 1
            if decision.should_ticket and decision.priority == Priority.CRITICAL:
                self.critical_ok += 1
        if decision.suggest_close == example.suggest_close:
            self.close_ok += 1
        else:
            self._miss(example, "suggest_close", example.suggest_close, decision.suggest_close)

    def scores(self, n: int) -> Scores:
        tickets = self.tp + self.fn
        precision = _ratio(self.tp, self.tp + self.fp)
        recall = _ratio(self.tp, self.tp + self.fn)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return Scores(
            n=n,
            tp=self.tp,
            fp=self.fp,
            fn=self.fn,
            tn=self.tn,
            ticket_precision=precision,
            ticket_recall=recall,
            ticket_f1=f1,
            category_accuracy=_ratio(self.category_ok, self.opened),
            category_n=self.opened,
            priority_accuracy=_ratio(self.priority_ok, self.opened),
            priority_n=self.opened,
            critical_recall=_ratio(self.critical_ok, self.critical_n),
            critical_n=self.critical_n,
            ticket_category_accuracy=_ratio(self.category_ok, tickets),
            ticket_priority_within_one=_ratio(self.priority_near, tickets),
            tickets_n=tickets,
            suggest_close_accuracy=_ratio(self.close_ok, n),
            location_accuracy=_ratio(self.location_ok, self.location_n),
            location_n=self.location_n,
            misses=tuple(self.misses),
        )


def score(examples: Sequence[Example], decisions: Sequence[TriageDecision]) -> Scores:
    """Compare decisions with labels, pairwise in order."""
    if len(examples) != len(decisions):
        raise ValueError(f"{len(examples)} examples but {len(decisions)} decisions")
    tally = _Tally()
    for example, decision in zip(examples, decisions, strict=True):
        tally.add(example, decision)
    return tally.scores(len(examples))


def evaluate(
    examples: Sequence[Example],
    decide: Callable[[TriageInput], TriageDecision],
    extra_locations: Iterable[str] = (),
) -> tuple[Scores, list[TriageDecision]]:
    """Run `decide` on every example (knowing every location named) and score it."""
    known = known_locations(examples, extra_locations)
    decisions = [decide(example.to_input(known)) for example in examples]
    return score(examples, decisions), decisions
