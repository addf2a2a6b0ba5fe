"""The triage worker embeds a claimed batch of messages in one call and triage and dedup
then read the kept vectors: that is only right if a text's vector does not depend on the
batch it was embedded in, or on whether it was kept."""

from __future__ import annotations

import numpy as np

from bot.triage.embedding import E5Embedder

TEXTS = [
    "no balls in bay 2",
    "the heater in bay 1 is glowing red and the wall beside it smells like burning",
    "y'a plus de balles dans la boîte 4",
]


def test_a_vector_is_the_same_alone_in_a_batch_and_kept() -> None:
    alone = [E5Embedder().embed([text])[0] for text in TEXTS]
    batched = E5Embedder()
    together = batched.embed(TEXTS)
    kept = batched.embed(list(reversed(TEXTS)))[::-1]
    for single, in_batch, again in zip(alone, together, kept, strict=True):
        np.testing.assert_array_equal(single, in_batch)
        np.testing.assert_array_equal(single, again)


def test_only_the_most_recent_texts_are_kept() -> None:
    embedder = E5Embedder(keep=2)
    first = embedder.embed(TEXTS[:1])[0]
    embedder.embed(TEXTS[1:])
    assert list(embedder._recent) == TEXTS[1:]
    np.testing.assert_array_equal(embedder.embed(TEXTS[:1])[0], first)
