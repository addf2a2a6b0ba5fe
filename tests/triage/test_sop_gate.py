"""The SOP gate of the rules triage: a first request for a remote procedure opens no
ticket; a failed fix, a repeat or an ask to escalate does."""

from __future__ import annotations

import pytest

from bot.triage import sop_gate
from bot.triage.engine import triage, triage_rules
from bot.triage.types import TriageInput
from tests.triage.helpers import (
    CRITICAL,
    HIGH,
    TECH,
    FakeLLM,
    assert_no_ticket,
    assert_ticket,
    decide,
    llm_decision,
)

# --------------------------------------------------------------------------- SOP gate


@pytest.mark.parametrize(
    "text",
    [
        "sim frozen box 2 can u reset",
        "screen froze mid round 😩 reset pls",
        "yo the simulater froze can u resett it plz",
        "hey door wont open, app just spinning. can u let me in",
        "at the door, cant get in",
        "trackman isnt picking up my shots in bay 1",
        "pc in box 6 stuck on the loading screen, can you restart it",
        "Bonjour, le simulateur est gelé dans la baie 2, pouvez-vous le redémarrer svp?",
        "Allô, la porte est barrée, pouvez-vous nous ouvrir?",
        "the kiosk at the front is frozen on the welcome screen",
    ],
)
def test_first_request_for_a_remote_procedure_opens_no_ticket(text: str) -> None:
    d = decide(text)
    assert_no_ticket(d)
    assert "remote procedure" in d.reason


@pytest.mark.parametrize(
    "text",
    [
        "u reset it twice and its STILL frozen on the same hole. box 1",
        "sim crashed AGAIN. thats the third time tonight in bay 2",
        "trackman still not reading anything after the restart u did",
        "screen is black, you restarted it 10 min ago and nothing changed",
        "the sim keeps freezing, you've reset it 3 times now",
        "ça fait 3 fois que le simulateur plante dans la boîte 2",
        "sim frozen in bay 3 again, can you escalate to someone who can come fix it",
    ],
)
def test_a_failed_remote_fix_is_a_high_tech_ticket(text: str) -> None:
    assert_ticket(decide(text), TECH, HIGH)


def test_the_thread_history_makes_a_second_request_a_repeat() -> None:
    first = "sim frozen in bay 2 can u reset pls"
    assert_no_ticket(decide(first))
    for follow_up in ("still frozen", "nope, didn't work", "its frozen again lol"):
        d = decide(follow_up, history=(first,))
        assert_ticket(d, TECH, HIGH)
        assert d.bay == 2  # the bay named earlier in the thread


def test_a_failed_remote_unlock_means_nobody_gets_in() -> None:
    d = decide("still locked, it didn't work", history=("door won't open, can you let us in?",))
    assert_ticket(d, TECH, CRITICAL)
    assert_ticket(decide("app won't unlock the door, we've tried 3 times"), TECH, CRITICAL)


def test_the_gate_uses_the_configured_procedures() -> None:
    inp = TriageInput(text="trackman isnt picking up my shots in bay 1")
    assert sop_gate.check(inp).verdict is sop_gate.Verdict.FIRST_REQUEST
    only_pc = sop_gate.check(inp, {"pc": "reboot"})
    assert only_pc.verdict is sop_gate.Verdict.PASS
    assert triage_rules(inp, sops={"pc": "reboot"}).should_ticket


# --------------------------------------------------------------------------- escalation

ESCALATIONS = [
    "sim frozen in bay 2, can you escalate this",
    "the projector in box 3 is black, please send someone to look at it",
    "trackman in bay 1 isn't reading, need a tech to come check it",
    "door won't open, can you send someone",
    "le simulateur est gelé dans la baie 2, envoyez quelqu'un svp",
]


@pytest.mark.parametrize("text", ESCALATIONS)
def test_an_ask_to_escalate_skips_the_remote_procedure(text: str) -> None:
    assert sop_gate.check(TriageInput(text=text)).verdict is sop_gate.Verdict.REPEAT
    d = decide(text)
    assert_ticket(d, TECH, HIGH)
    assert d.title.endswith("(escalation asked)")
    assert "the customer asks to escalate" in d.reason


async def test_an_ask_to_escalate_is_a_ticket_whatever_the_classifier_says() -> None:
    inp = TriageInput(text="sim frozen in bay 2, can you escalate this", location="Bedford")
    d = await triage(inp, FakeLLM(llm_decision(False, None, None)))
    assert_ticket(d, TECH, HIGH)


@pytest.mark.parametrize(
    "history",
    [
        ("sim frozen in bay 2 can u reset pls",),
        ("sim frozen in bay 2 can u reset pls", "I've reset it, try now"),
    ],
)
@pytest.mark.parametrize(
    "ask", ["can you escalate this", "please send someone", "someone needs to come look at it"]
)
def test_an_ask_to_escalate_after_a_remote_fix_is_a_ticket(
    history: tuple[str, ...], ask: str
) -> None:
    d = decide(ask, history=history)
    assert_ticket(d, TECH, HIGH)
    assert d.bay == 2  # the bay named earlier in the thread
