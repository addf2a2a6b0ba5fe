"""What every benchmark reports: figures, each beside its target (issue 14).

A benchmark module under `bench/` exposes `measure(quick: bool) -> list[Figure]`;
`bench/run.py` runs them all, prints each figure beside its target and writes
docs/benchmarks.md. `quick` is a smaller run for trying the benchmark itself (its figures
are not the ones to report).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure. `target` is the figure it must not exceed (or, with
    `at_least`, reach); None when it is reported for context only. `note` says how it was
    measured or, for a miss, what the profile showed."""

    name: str
    value: float
    unit: str
    target: float | None = None
    at_least: bool = False
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.at_least else self.value <= self.target

    def line(self) -> str:
        target = ""
        if self.target is not None:
            sign = ">=" if self.at_least else "<="
            verdict = "met" if self.met else "MISSED"
            target = f"  (target {sign} {self.target:g} {self.unit}: {verdict})"
        return f"{self.name}: {self.value:.4g} {self.unit}{target}"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of `values` (share in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def show(figures: Iterable[Figure]) -> None:
    """Each figure on a line of its own, its note beside it (a module run by itself)."""
    for figure in figures:
        print(figure.line() + (f"  [{figure.note}]" if figure.note else ""), flush=True)
