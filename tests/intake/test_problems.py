"""Two reports, one problem? The rules' reading vetoes, the embedded model measures what is
left. Pure CPU (the model runs in a worker thread)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import numpy as np
import pytest

from bot.intake.problems import CACHE_SIZE, SIMILAR, Meanings, conflict, reading_of
from bot.triage.embedding import DIMENSIONS, Vectors


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        ("no balls in bay 2", "no tees in bay 2", "different problems: balls_out vs tees_out"),
        ("the stool in bay 1 is wobbly", "the table in bay 1 is wobbly", "different things"),
        ("urinal clogged in the mens", "toilet clogged in the mens", "different things"),
        ("no soap in the mens room", "no soap in the ladies room", "different rooms"),
        (
            "Men's toilet overflowing. toilet overflowing in the mens room",
            "ladies bathroom is filthy and out of paper towels",
            "different",
        ),
    ],
)
def test_the_rules_reading_tells_different_problems_apart(a: str, b: str, why: str) -> None:
    found = conflict(reading_of(a), reading_of(b))
    assert found is not None and found.startswith(why), found


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("no balls in bay 2", "bay 2 has no balls left"),
        ("Men's toilet overflowing", "fyi mens washroom toilet overflowing!! gross"),
        # a weaker reading of the same words is the same problem
        ("bay 2 heater not working", "bay 2 is freezing cold, heater dead"),
        # nothing read on one side: the model decides
        ("the vending machine won't take my card", "no balls in bay 2"),
    ],
)
def test_the_rules_reading_does_not_veto_what_may_be_one_problem(a: str, b: str) -> None:
    assert conflict(reading_of(a), reading_of(b)) is None


def test_a_bathroom_is_away_from_the_bays_and_balls_are_not() -> None:
    assert reading_of("mens toilet overflowing, we're in bay 4").off_bay
    assert not reading_of("no balls in bay 2").off_bay
    assert not reading_of("what time do you close").off_bay


@pytest.mark.parametrize(
    ("text", "ticket", "same"),
    [
        ("bay 2 has no balls left", "No balls in Bay 2. no balls in bay 2", True),
        (
            "bay 3 VR headset isn't here",
            "Bay 3 headset missing. the VR headset in bay 3 is gone",
            True,
        ),
        (
            "vending machine keeps rejecting my card",
            "Vending machine down. it won't take cards",
            True,
        ),
        ("bay 2 the putting green is bumpy", "Bay 2 sim shows the wrong course", False),
        (
            "the coffee machine in the lounge is empty",
            "Vending machine down. it won't take cards",
            False,
        ),
    ],
)
async def test_the_model_measures_meaning_against_the_threshold(
    text: str, ticket: str, same: bool
) -> None:
    [score] = await Meanings().similarities(text, [ticket]) or [0.0]
    assert (score >= SIMILAR) is same, score


async def test_without_the_model_there_is_no_measure_and_vectors_are_cached() -> None:
    assert await Meanings(lambda: None).similarities("no balls", ["No balls in Bay 2"]) is None
    meanings = Meanings()
    first = await meanings.similarities("no balls in bay 2", ["No balls in Bay 2", "No tees"])
    again = await meanings.similarities("no balls in bay 2", ["No tees", "No balls in Bay 2"])
    assert first is not None and again == first[::-1]


class HeldModel:
    """A stand-in model (one fixed unit vector a text) that holds the call embedding
    SLOW_TEXT until `go` is set."""

    SLOW_TEXT = "a text the model takes its time over"

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.go = threading.Event()

    def embed(self, texts: Sequence[str]) -> Vectors:
        if self.SLOW_TEXT in texts:
            self.asked.set()
            self.go.wait(5)
        rows = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            rows[row, hash(text) % DIMENSIONS] = 1.0
        return rows


async def test_a_kept_vector_evicted_while_the_model_works_is_still_returned() -> None:
    """Triage warms several messages at once: while one warm waits on the model, others
    may push its already kept vectors out of the cache; it still returns them."""
    model = HeldModel()
    meanings = Meanings(lambda: model)
    await meanings.warm(["no balls in bay 2"])
    waiting = asyncio.create_task(meanings.warm(["no balls in bay 2", HeldModel.SLOW_TEXT]))
    await asyncio.to_thread(model.asked.wait, 5)
    await meanings.warm([f"report {n}" for n in range(CACHE_SIZE)])  # evicts the first
    model.go.set()
    vectors = await waiting
    assert vectors is not None and set(vectors) == {"no balls in bay 2", HeldModel.SLOW_TEXT}
