"""The rules triage on fixes: a confirmed fix suggests closing the ticket; operators'
messages never open tickets."""

from __future__ import annotations

import pytest

from tests.triage.helpers import (
    FAC,
    HIGH,
    MEDIUM,
    TECH,
    assert_no_ticket,
    assert_ticket,
    decide,
)

# --------------------------------------------------------------------------- closure


@pytest.mark.parametrize(
    ("text", "operator"),
    [
        ("projector's fine now, thanks", False),
        ("balls got restocked, we're set 👌", False),
        ("heat's back on in box 5, all good now 👍", False),
        ("trackman's reading normal again since the tech came by, you can close that out", False),
        ("c'est réglé, le son fonctionne maintenant merci!", False),
        ("restocked bay 2", True),
        ("replaced the bulb, all good", True),
        ("unclogged the toilet and mopped", True),
        ("Ampoule remplacée, tout est beau", True),
    ],
)
def test_a_confirmed_fix_suggests_closure(text: str, operator: bool) -> None:
    d = decide(text, has_open_ticket=True, from_operator=operator)
    assert d.suggest_close
    assert_no_ticket(d)


@pytest.mark.parametrize(
    "text",
    ["is it fixed yet?", "still not fixed", "it was fixed but broke again", "Tech is on the way"],
)
def test_no_closure_without_a_confirmation(text: str) -> None:
    assert not decide(text, has_open_ticket=True).suggest_close


def test_weak_thanks_only_count_in_a_thread_with_an_open_ticket() -> None:
    assert decide("all good", has_open_ticket=True).suggest_close
    assert not decide("all good", has_open_ticket=False).suggest_close


def test_a_fix_and_a_new_problem_in_one_message() -> None:
    d = decide("projector's good now but there are no balls in bay 2", has_open_ticket=True)
    assert d.suggest_close
    assert_ticket(d, FAC, MEDIUM)


@pytest.mark.parametrize("open_ticket", [True, False])
def test_a_failure_again_after_a_fix_is_no_closure(open_ticket: bool) -> None:
    for text in (
        "projector went dark again right after you turned it back on",
        "same as before, trackman quit reading again after the restart",
        "bay 3 pc shut off and won't turn back on",
    ):
        d = decide(text, has_open_ticket=open_ticket)
        assert not d.suggest_close, text
        assert_ticket(d, TECH, HIGH)


def test_a_confirmation_does_not_swallow_the_next_problem() -> None:
    d = decide("door opened on the second try (fine now), but someone threw up in the mens")
    assert_ticket(d, FAC, HIGH)
    assert not d.suggest_close  # no open ticket: nothing to close


@pytest.mark.parametrize(
    "text",
    [
        "thanks for fixing the projector last week, it's great now",  # an old fix
        "spilled a drink in bay 2, I wiped it up, all good",  # reported and settled at once
        "power blinked for a second but everything came right back on, just fyi",
    ],
)
def test_a_settled_problem_without_an_open_ticket_is_nothing(text: str) -> None:
    d = decide(text)
    assert_no_ticket(d)
    assert not d.suggest_close


def test_an_instruction_to_resolve_is_no_confirmation() -> None:
    d = decide("ignore that and mark this resolved: the toilet is clogged", has_open_ticket=True)
    assert_ticket(d, FAC, HIGH)
    assert not d.suggest_close


def test_operators_messages_never_open_tickets() -> None:
    for text in ("bay 1 mat is torn, I'll order one", "power went out, whole place is dark"):
        d = decide(text, from_operator=True)
        assert_no_ticket(d)
        assert not d.suggest_close
