"""The README's triage table: `rules`, `local` and the local model without the rules, on
each labelled set, with the issue's figures and targets.

    .venv/bin/python bench/triage_scores.py

The blind set is only measured here, never tuned on. The other sets are the training
corpus of the shipped weights, so their `local` and model figures are in-sample.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.triage import embedding, engine, scoring  # noqa: E402
from bot.triage.local import LocalClassifier, load_local  # noqa: E402
from bot.triage.training import CORPUS, CORPUS_DIR  # noqa: E402
from bot.triage.types import Classifier, TriageDecision, TriageInput  # noqa: E402

DATA = ROOT / "tests" / "data"
SETS = ("triage_blind.jsonl", "triage_blind2.jsonl", "triage_blind3.jsonl", *CORPUS)
TARGETS = "targets (blind set) | | ≥ 0.93 | ≥ 0.93 | ≥ 0.93 | 1.0 | |"


class Memo:
    """The embedder with each text embedded once (both local modes read the same texts)."""

    def __init__(self, real: embedding.Embedder) -> None:
        self.real = real
        self.seen: dict[str, embedding.Vectors] = {}

    def embed(self, texts: Sequence[str]) -> embedding.Vectors:
        for text in texts:
            if text not in self.seen:
                self.seen[text] = self.real.embed([text])[0]
        import numpy as np

        return np.stack([self.seen[t] for t in texts])


def deciders(runner: asyncio.Runner) -> dict[str, Callable[[TriageInput], TriageDecision]]:
    shipped = load_local()
    if shipped.embedder is None or shipped.heads is None:
        raise SystemExit(f"the model is not in use: {shipped.status}")
    memo = Memo(shipped.embedder)
    precedents = shipped.critical_precedents

    def through(classifier: Classifier) -> Callable[[TriageInput], TriageDecision]:
        return lambda inp: runner.run(engine.triage(inp, classifier))

    return {
        "rules": engine.triage_rules,
        "local": through(LocalClassifier(memo, shipped.heads, critical_precedents=precedents)),
        "model alone": through(
            LocalClassifier(memo, shipped.heads, with_rules=False, critical_precedents=precedents)
        ),
    }


def row(name: str, backend: str, s: scoring.Scores) -> str:
    critical = round(s.critical_recall * s.critical_n)
    return (
        f"| {name} | {backend} | {s.ticket_f1:.3f} (P {s.ticket_precision:.2f}, "
        f"R {s.ticket_recall:.2f}) | {s.ticket_category_accuracy:.3f} | "
        f"{s.ticket_priority_within_one:.3f} | {s.critical_recall:.3f} ({critical}/"
        f"{s.critical_n}) | {s.suggest_close_accuracy:.3f} |"
    )


def main() -> None:
    print(
        "| set | backend | ticket F1 | category (all tickets) | priority within one "
        "| critical recall | suggest_close acc. |"
    )
    print("|---|---|---|---|---|---|---|")
    with asyncio.Runner() as runner:
        decide = deciders(runner)
        for name in SETS:
            path = (DATA if "blind" in name else CORPUS_DIR) / name
            if not path.exists():
                continue
            examples = scoring.load_examples(path)
            label = f"`{name}` ({len(examples)})"
            for backend, decider in decide.items():
                scores, _ = scoring.evaluate(examples, decider)
                print(row(label, backend, scores), flush=True)
    print(TARGETS)


if __name__ == "__main__":
    main()
