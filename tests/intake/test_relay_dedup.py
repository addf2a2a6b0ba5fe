"""A second report of an open problem links its thread to the ticket; another problem, or
the same words at another place, opens its own. Relay messages end to end (signed events,
the inbox, the rules triage, the embedded model, the database), and without the model."""

from __future__ import annotations

import pytest

from bot.intake.problems import Meanings
from bot.triage.embedding import load_embedder
from tests.intake.relay_support import T1, T2
from tests.support.app_harness import RELAY, Harness
from tests.support.relay import customer_says

DARTMOUTH_RELAY = "C0RELAYDART"


async def _two_reports(
    h: Harness, first: str, second: str, *, second_channel: str = RELAY
) -> list[tuple[str, int | None, tuple[str, ...]]]:
    """Two customers' messages in two threads: each ticket's location, bay and threads."""
    await h.post(customer_says(first, T1, customer="cust_1"))
    await h.settle()
    await h.post(customer_says(second, T2, customer="cust_2", channel=second_channel))
    await h.settle()
    return [(t.location, t.bay, t.linked_threads) for t in await h.tickets()]


def _without_model(h: Harness) -> None:
    """The app as it runs when the model cannot load: the rules' problem keys decide."""
    h.runtime.triage_worker.relay.meanings = Meanings(lambda: None)


@pytest.fixture(params=["model", "no model"])
def mode(request: pytest.FixtureRequest, harness: Harness) -> str:
    if request.param == "model":
        assert load_embedder() is not None, "the embedded model must load here"
    else:
        _without_model(harness)
    return str(request.param)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("no balls in bay 2", "bay 2 has no balls left"),
        ("hey there are no balls in box 2", "bay 2 has no golf balls at all??"),
        (
            "the toilet in the mens room is overflowing, water on the floor",
            "fyi mens washroom toilet overflowing!! gross",
        ),
    ],
)
async def test_the_same_problem_at_the_same_place_is_linked(
    harness: Harness, mode: str, first: str, second: str
) -> None:
    [(location, _, threads)] = await _two_reports(harness, first, second)
    assert location == "Bedford"
    assert set(threads) == {f"{RELAY}:{T1}", f"{RELAY}:{T2}"}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "toilet overflowing in the mens room",
            "ladies bathroom is filthy and out of paper towels",
        ),
        ("no balls in bay 2", "no tees in bay 2"),
        ("the stool in bay 1 is wobbly", "the table in bay 1 is wobbly"),
        ("toilet overflowing in the mens room", "urinal clogged in the mens room"),
        ("projector in bay 3 is really dim", "projector in bay 3 is really blurry"),
    ],
)
async def test_another_problem_at_the_same_place_opens_its_own_ticket(
    harness: Harness, mode: str, first: str, second: str
) -> None:
    tickets = await _two_reports(harness, first, second)
    assert sorted(threads for _, _, threads in tickets) == [(f"{RELAY}:{T1}",), (f"{RELAY}:{T2}",)]


async def test_the_same_words_at_another_location_open_two_tickets(
    harness: Harness, mode: str
) -> None:
    tickets = await _two_reports(
        harness, "no balls in bay 2", "no balls in bay 2", second_channel=DARTMOUTH_RELAY
    )
    assert sorted((location, bay) for location, bay, _ in tickets) == [
        ("Bedford", 2),
        ("Dartmouth", 2),
    ]


async def test_the_same_problem_in_another_bay_opens_its_own_ticket(
    harness: Harness, mode: str
) -> None:
    tickets = await _two_reports(harness, "no balls in bay 2", "bay 3 has no balls left")
    assert sorted((bay, len(threads)) for _, bay, threads in tickets) == [(2, 1), (3, 1)]


async def test_a_bathroom_is_the_same_whichever_bay_its_reporters_sit_in(
    harness: Harness, mode: str
) -> None:
    [(_, _, threads)] = await _two_reports(
        harness,
        "bay 2 here, the toilet in the mens is overflowing",
        "mens toilet overflowing, we're in bay 4",
    )
    assert len(threads) == 2
