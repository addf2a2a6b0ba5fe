"""Training the local model's heads: `clubos-tickets triage --train` (in a checkout).

The corpus is the labelled files of CORPUS, in bot/triage/corpus; the blind set (in
tests/data) is never among them (it measures, it does not teach). Each message is embedded
as triage embeds it, and deterministic logistic regressions are fitted on the vectors:
should it be a ticket, and for tickets the category and the priority; and does it confirm
a fix. scikit-learn is imported only where heads are fitted (here and `retraining`), so
running triage never needs it.

The same corpus and model always write the same bytes (`Heads.to_json`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.tickets.domain import Priority
from bot.triage import training_cv as cv
from bot.triage.embedding import DIMENSIONS, Embedder
from bot.triage.heads import Heads, LinearHead, Thresholds
from bot.triage.labelled import Example, load_examples
from bot.triage.training_pipeline import PipelineFolds, Task, tune

# Package data, not only a checkout's tests/data: an installed club retrains on this corpus
# plus its operators' decisions (`retraining`). The texts ship rather than their vectors, so
# a retrain embeds them with the model it runs on, and the labels stay readable (190 KB).
CORPUS_DIR = Path(__file__).with_name("corpus")
#: Every labelled file training reads, in this order; a file not there yet is skipped.
CORPUS = ("triage_dev.jsonl", "triage_holdout.jsonl", "triage_train.jsonl")
PRIORITY_ORDER = tuple(p.value for p in sorted(Priority, key=lambda p: p.rank))


class TrainingError(ValueError):
    """Training cannot run; the message says why."""


@dataclass(frozen=True)
class Corpus:
    examples: list[Example]
    files: dict[str, str]  # file name -> sha256 of its bytes, in CORPUS order


def read_corpus(folder: Path = CORPUS_DIR, names: Sequence[str] = CORPUS) -> Corpus:
    """The labelled examples of the corpus files in `folder`."""
    if any(name.startswith("triage_blind") for name in names):
        raise TrainingError("the blind set measures; it is never trained on")
    examples: list[Example] = []
    files: dict[str, str] = {}
    for name in names:
        path = folder / name
        if path.exists():
            files[name] = hashlib.sha256(path.read_bytes()).hexdigest()
            examples += load_examples(path)
    if not examples:
        raise TrainingError(f"no labelled examples in {folder} (training runs in a checkout)")
    return Corpus(examples, files)


def embed_all(embedder: Embedder, texts: Sequence[str]) -> NDArray[np.float64]:
    """One row per text, embedded one at a time as triage does."""
    return np.stack([embedder.embed([text])[0] for text in texts]).astype(np.float64)


@dataclass(frozen=True)
class _Fitted:
    head: LinearHead
    c: float
    out_of_fold: NDArray[np.float64]  # class probabilities from heads that did not see each


def _fit(vectors: NDArray[np.float64], labels: NDArray[Any]) -> _Fitted:
    c, probabilities = cv.choose_c(vectors, labels)
    return _Fitted(cv.fit_head(vectors, labels, c), c, probabilities)


def _fit_all(task: Task) -> dict[str, _Fitted]:
    x, customer, tickets = task.vectors, task.customer, task.tickets
    return {
        "ticket": _fit(x[customer], task.tickets[customer]),
        "category": _fit(x[tickets], task.category[tickets]),
        "priority": _fit(x[tickets], task.priority[tickets]),
        "close": _fit(x, task.close),
    }


def _model_alone(task: Task, fits: dict[str, _Fitted], t: Thresholds) -> dict[str, Any]:
    """How each head did out of fold on its own examples."""
    ticket_truth = task.tickets[task.customer]
    category, priority = task.category[task.tickets], task.priority[task.tickets]
    return {
        "ticket": cv.binary_report(fits["ticket"].out_of_fold[:, 1], ticket_truth, t.ticket),
        "category_accuracy": cv.accuracy(fits["category"].out_of_fold, category),
        "priority_accuracy": cv.accuracy(fits["priority"].out_of_fold, priority),
        "priority_within_one": cv.within_one(
            fits["priority"].out_of_fold, priority, PRIORITY_ORDER
        ),
        "suggest_close": cv.binary_report(fits["close"].out_of_fold[:, 1], task.close, t.close),
    }


def train(corpus: Corpus, vectors: NDArray[np.float64], model: str) -> Heads:
    """The heads, their regularisation and thresholds chosen by cross-validation."""
    from threadpoolctl import threadpool_limits

    task = Task.of(corpus.examples, vectors)
    # One BLAS thread: as fast on data this small, and the same sums every run.
    with threadpool_limits(limits=1):
        fits = _fit_all(task)
        ticket_p = fits["ticket"].out_of_fold[:, 1]
        ticket_truth = task.tickets[task.customer]
        first = Thresholds(
            ticket=cv.ticket_threshold(ticket_p, ticket_truth),
            noise=cv.noise_threshold(ticket_p, ticket_truth),
            close=cv.close_threshold(fits["close"].out_of_fold[:, 1], task.close),
        )
        heads = Heads(
            model=model,
            dimensions=DIMENSIONS,
            ticket=fits["ticket"].head,
            category=fits["category"].head,
            priority=fits["priority"].head,
            close=fits["close"].head,
            thresholds=first,
            about={},
        )
        cs = {name: fit.c for name, fit in fits.items()}
        thresholds, pipeline = tune(PipelineFolds(corpus.examples, task, cs, heads), first)
    about = {
        "corpus": {"files": corpus.files, "examples": len(corpus.examples)},
        "regularisation_C": cs,
        "cross_validated_heads": _model_alone(task, fits, thresholds),
        "cross_validated_pipeline": pipeline,
    }
    return replace(heads, thresholds=thresholds, about=about)


def write_weights(heads: Heads, path: Path) -> None:
    path.write_text(heads.to_json(), encoding="utf-8")
