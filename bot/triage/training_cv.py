"""The choices training makes by cross-validation on the training corpus alone: each head's
regularisation, and the thresholds read on each head's own out-of-fold probabilities (clear
noise, closure, and a first ticket threshold that `training_pipeline` then tunes on the
whole pipeline's decisions).

Repeated stratified folds with a fixed seed, so the same corpus always gives the same
choices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from bot.triage.heads import LinearHead

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression

FOLDS = 5
REPEATS = 3
SEED = 12
C_GRID = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
THRESHOLD_GRID = tuple(round(0.2 + 0.05 * i, 2) for i in range(13))  # 0.20 ... 0.80
#: At most this share of the labelled tickets may fall below the noise threshold.
NOISE_MISS_RATE = 0.02
#: A closure suggestion needs this out-of-fold precision: a wrong one bothers an operator.
CLOSE_PRECISION = 0.85

Labels = NDArray[Any]
Folds = list[tuple[NDArray[np.intp], NDArray[np.intp]]]


def model(c: float) -> LogisticRegression:
    """The head's estimator (newton-cg: few iterations on 384 dimensions, and deterministic)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, solver="newton-cg", max_iter=1_000)


def fit_head(
    vectors: NDArray[np.float64],
    labels: Labels,
    c: float,
    weights: NDArray[np.float64] | None = None,
) -> LinearHead:
    """One head; `weights` (one per example) make some examples count more."""
    fitted = model(c).fit(vectors, labels, sample_weight=weights)
    classes = tuple(str(name) for name in fitted.classes_)
    return LinearHead(classes, np.asarray(fitted.coef_), np.asarray(fitted.intercept_))


def folds(labels: Labels) -> Folds:
    from sklearn.model_selection import RepeatedStratifiedKFold

    splitter = RepeatedStratifiedKFold(n_splits=FOLDS, n_repeats=REPEATS, random_state=SEED)
    return list(splitter.split(np.zeros(len(labels)), labels))


def out_of_fold(
    vectors: NDArray[np.float64], labels: Labels, c: float, splits: Folds
) -> NDArray[np.float64]:
    """Each example's class probabilities from the heads that did not see it, averaged
    over the repeats (columns in sorted class order)."""
    classes = np.unique(labels)
    total = np.zeros((len(labels), len(classes)))
    for train, test in splits:
        head = model(c).fit(vectors[train], labels[train])
        columns = np.searchsorted(classes, head.classes_)
        total[np.ix_(test, columns)] += head.predict_proba(vectors[test])
    return total / REPEATS


def choose_c(vectors: NDArray[np.float64], labels: Labels) -> tuple[float, NDArray[np.float64]]:
    """The regularisation with the lowest out-of-fold log loss, and its probabilities."""
    splits = folds(labels)
    classes = np.unique(labels)
    truth = np.searchsorted(classes, labels)
    best: tuple[float, float, NDArray[np.float64]] | None = None
    for c in C_GRID:
        probabilities = out_of_fold(vectors, labels, c, splits)
        picked = np.clip(probabilities[np.arange(len(labels)), truth], 1e-9, 1.0)
        loss = float(-np.mean(np.log(picked)))
        if best is None or loss < best[0] - 1e-9:
            best = (loss, c, probabilities)
    assert best is not None
    return best[1], best[2]


def _f1(predicted: NDArray[np.bool_], truth: NDArray[np.bool_]) -> float:
    tp = int(np.sum(predicted & truth))
    wrong = int(np.sum(predicted != truth))
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def ticket_threshold(probability: NDArray[np.float64], truth: NDArray[np.bool_]) -> float:
    """The threshold with the best out-of-fold F1; a tie goes to the one nearest 0.5."""
    ranked = sorted(THRESHOLD_GRID, key=lambda t: (-_f1(probability >= t, truth), abs(t - 0.5), t))
    return ranked[0]


def noise_threshold(probability: NDArray[np.float64], truth: NDArray[np.bool_]) -> float:
    """Below it a message is clear noise: at most NOISE_MISS_RATE of the labelled tickets
    score lower out of fold."""
    tickets = np.sort(probability[truth])
    allowed = int(NOISE_MISS_RATE * len(tickets))
    return round(float(tickets[allowed]), 3)


def close_threshold(probability: NDArray[np.float64], truth: NDArray[np.bool_]) -> float:
    """The lowest threshold whose out-of-fold precision reaches CLOSE_PRECISION (finds the
    most confirmations without bothering operators); 1.0 (never) if none does."""
    for t in THRESHOLD_GRID:
        said = probability >= t
        if said.any() and float(np.mean(truth[said])) >= CLOSE_PRECISION:
            return t
    return 1.0


def binary_report(
    probability: NDArray[np.float64], truth: NDArray[np.bool_], threshold: float
) -> dict[str, float]:
    said = probability >= threshold
    tp = int(np.sum(said & truth))
    return {
        "precision": round(tp / max(int(said.sum()), 1), 3),
        "recall": round(tp / max(int(truth.sum()), 1), 3),
        "f1": round(_f1(said, truth), 3),
    }


def accuracy(probabilities: NDArray[np.float64], labels: Labels) -> float:
    classes = np.unique(labels)
    return round(float(np.mean(classes[np.argmax(probabilities, axis=1)] == labels)), 3)


def within_one(probabilities: NDArray[np.float64], labels: Labels, order: Sequence[str]) -> float:
    """Share of predictions at most one step from the label, in `order` (low ... critical)."""
    classes = np.unique(labels)
    rank = {name: i for i, name in enumerate(order)}
    predicted = classes[np.argmax(probabilities, axis=1)]
    near = [abs(rank[str(p)] - rank[str(t)]) <= 1 for p, t in zip(predicted, labels, strict=True)]
    return round(float(np.mean(near)), 3)
