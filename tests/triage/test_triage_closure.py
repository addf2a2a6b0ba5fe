"""The rules triage on fixes: a confirmed fix suggests closing the ticket; operators'
messages never open tickets."""

from __future__ import annotations

import pytest

from tests.triage.helpers import (
    FAC,
    MEDIUM,
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


def test_operators_messages_never_open_tickets() -> None:
    for text in ("bay 1 mat is torn, I'll order one", "power went out, whole place is dark"):
        d = decide(text, from_operator=True)
        assert_no_ticket(d)
        assert not d.suggest_close
