"""Critical precedents: the labelled corpus's messages as vectors, so that a report phrased
unlike anything the phrase tables read can still be critical when it reads like one of the
corpus's critical reports.

Phrase tables widened from one writer's messages reach the next writer's hardly at all,
while the nearest labelled neighbour does: on a probe set written apart from the corpus
(300 messages, 68 critical), the rules read 54 of the critical reports; a critical
neighbour MARGIN closer than any other labelled message raised 9 more and 1 that was not.
`clubos-tickets triage --train` writes the vectors (float16) beside the weights.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.tickets.domain import Priority
from bot.triage.labelled import Example

PRECEDENTS_PATH = Path(__file__).with_name("local_precedents.npz")
#: The nearest critical report must be this close (cosine) ...
SIMILARITY = 0.86
#: ... and this much closer than the nearest message labelled otherwise.
MARGIN = 0.02


@dataclass(frozen=True)
class Precedents:
    vectors: NDArray[np.float16]  # one unit-length row per labelled message
    critical: NDArray[np.bool_]  # labelled a critical ticket
    ids: tuple[str, ...]
    corpus: str  # the corpus files' digest (`training.Corpus.files`), as JSON

    def critical_like(self, vector: NDArray[np.floating]) -> str | None:
        """The id of the critical report `vector` reads like, if one stands out."""
        unit = vector.astype(np.float32) / max(float(np.linalg.norm(vector)), 1e-12)
        similarity = self.vectors.astype(np.float32) @ unit
        critical = np.where(self.critical, similarity, -1.0)
        other = np.where(self.critical, -1.0, similarity)
        best = int(np.argmax(critical))
        nearest = float(critical[best])
        if nearest >= SIMILARITY and nearest >= float(np.max(other)) + MARGIN:
            return self.ids[best]
        return None


def corpus_digest(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def build(
    examples: Sequence[Example], vectors: NDArray[np.floating], files: dict[str, str]
) -> Precedents:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = (vectors / np.maximum(norms, 1e-12)).astype(np.float16)
    critical = np.array([e.should_ticket and e.priority == Priority.CRITICAL for e in examples])
    return Precedents(unit, critical, tuple(e.id for e in examples), corpus_digest(files))


def write(precedents: Precedents, path: Path) -> None:
    with path.open("wb") as out:
        np.savez_compressed(
            out,
            vectors=precedents.vectors,
            critical=precedents.critical,
            ids=np.array(precedents.ids),
            corpus=np.array(precedents.corpus),
        )


def load(path: Path = PRECEDENTS_PATH) -> Precedents | None:
    """The shipped precedents; None when the file is missing (triage goes on without)."""
    if not path.exists():
        return None
    with np.load(path) as data:
        return Precedents(
            data["vectors"],
            data["critical"],
            tuple(str(i) for i in data["ids"]),
            str(data["corpus"]),
        )
