"""Under a burst the event loop acks Slack while the model embeds: the model's thread runs
at a lower CPU priority than the loop's, so the acks win the CPU (bench/analysis.md)."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest

from bot.triage.embedding import DIMENSIONS, MODEL_NICENESS, E5Embedder

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="thread priorities are set on Linux only"
)


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


class RecordingModel:
    """Stands in for the model: answers zero vectors and notes the niceness of the
    thread that called it."""

    def __init__(self) -> None:
        self.niceness: list[int] = []

    def query(self, texts: list[str]) -> np.ndarray:
        self.niceness.append(_niceness())
        return np.zeros((len(texts), DIMENSIONS), dtype=np.float32)


def test_the_model_runs_at_a_lower_priority_and_its_caller_keeps_its_own() -> None:
    embedder = E5Embedder()
    model = RecordingModel()
    embedder._model = model
    before = _niceness()
    embedder.embed(["the projector in bay 3 keeps flickering (priority test)"])
    assert len(model.niceness) == 1
    assert model.niceness[0] == min(19, before + MODEL_NICENESS)
    assert _niceness() == before


def test_the_real_model_embeds_from_its_thread() -> None:
    vectors = E5Embedder().embed(["no balls left in bay 2 (priority test)"])
    assert vectors.shape == (1, DIMENSIONS)
    assert abs(float(np.linalg.norm(vectors[0])) - 1.0) < 1e-3
