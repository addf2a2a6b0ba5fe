"""What the rules read in words that look like other words (French, typos, slang), and
what they leave to a remote procedure. Pure CPU."""

from __future__ import annotations

import pytest

from bot.tickets.domain import Category, Priority
from bot.triage.analysis import analyse
from bot.triage.types import TriageInput
from tests.triage.helpers import (
    FAC,
    HIGH,
    LOW,
    MEDIUM,
    TECH,
    assert_no_ticket,
    assert_ticket,
    decide,
)


@pytest.mark.parametrize(
    ("text", "category", "priority"),
    [
        # "couleur" is no leak ("coule"), "salle de bain" is not dirty ("sale")
        ("les couleurs sont bizarres sur le projecteur de la baie 2", TECH, MEDIUM),
        ("y'a pu de savon dans la salle de bain", FAC, MEDIUM),
        ("les toilettes sont sales", FAC, HIGH),
        # a projector's spots are a defect, "went dark" is off, ball marks are cosmetic
        ("the projector in bay 4 has a row of dead pixels near the top", TECH, MEDIUM),
        ("projector in box 2 went dark again, third time", TECH, HIGH),
        ("screen in bay 5 has black ball marks everywhere", FAC, LOW),
        # French spoken forms, slang and typos
        ("pu de balles dans la baie 3", FAC, MEDIUM),
        ("la porte de la toilette ferme plus", FAC, MEDIUM),
        ("la trackman voit pas la balle, encore, après votre reset", TECH, HIGH),
        ("cn u reset bay 4 its frozn again, 3rd time", TECH, HIGH),
        ("the sim is super laggy in bay 2, ball flight stutters", TECH, MEDIUM),
        ("mat is curling up at the edge, someone's gonna trip", FAC, HIGH),
        ("le plancher est mouillé près du bar, ça glisse", FAC, HIGH),
        # a remote fix that did not hold: tech, high
        ("you restarted it and now the pc is stuck on updating", TECH, HIGH),
        ("trackman reset helped for a few swings, then back to not reading", TECH, HIGH),
        ("projector shut off again right after you powered it back on", TECH, HIGH),
        ("the bay pc won't power back on after I hit the button", TECH, HIGH),
        ("kiosk crashed on me again, 2nd time today, send someone", TECH, HIGH),
        ("you reset it but the sound is still crackling", TECH, HIGH),
        # sanitation and plumbing
        ("smells like sewage near the washrooms", FAC, HIGH),
        ("urinal won't stop flushing", FAC, MEDIUM),
        # a degree of wear is a hedge: the bay stays usable
        ("the putter grip is a bit worn, URGENT", FAC, LOW),
        ("le tapis est un peu usé dans la box 2", FAC, LOW),
        ("mat is a bit worn and has a big rip now", FAC, MEDIUM),
    ],
)
def test_what_the_words_mean(text: str, category: Category, priority: Priority) -> None:
    assert_ticket(decide(text), category, priority)


def test_a_computer_mouse_is_no_pest() -> None:
    assert_no_ticket(decide("the mouse isnt working in bay 6 and the pc wont respond, can u reset"))
    assert_ticket(decide("saw a mouse run across the lobby"), FAC, HIGH)


def test_beside_another_problem_a_first_reset_request_is_left_to_the_procedure() -> None:
    d = decide("sim froze in bay 2, can u reset? also the mens is out of paper towels")
    assert_ticket(d, FAC, MEDIUM)
    again = decide("sim froze again after your reset in bay 2, also no tees")
    assert_ticket(again, TECH, HIGH)


@pytest.mark.parametrize(
    ("text", "fixed", "lost"),
    [
        ("the electrician fixed the outlet in bay 2", True, False),
        ("internet's restored, all bays connected", True, False),
        ("haut-parleurs remplacés dans la baie 3", True, False),
        ("projector fan is grinding, picture's fine for now", False, False),
        ("kiosk crashed again right after it came back up", False, False),
        ("did anyone find a black jacket in bay 4?", False, True),
        ("left a mess in bay 2, sorry", False, False),
    ],
)
def test_confirmations_and_lost_things(text: str, fixed: bool, lost: bool) -> None:
    analysis = analyse(TriageInput(text=text, location="Bedford"))
    assert (analysis.fixed, analysis.lost_found) == (fixed, lost)
