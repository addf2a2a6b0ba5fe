"""The status machine on its own: every ordered pair of statuses, the inputs each
target needs, and the messages an operator reads when a change is refused.

The expected table below is written out by hand (it is the specification), so a change
to `status.ALLOWED` that is not also a change of intent makes these tests fail.
"""

from __future__ import annotations

import itertools
import re

import pytest

from bot.tickets import status as machine
from bot.tickets.domain import Status, TicketError, TransitionNotAllowed

OPEN = Status.OPEN
IN_PROGRESS = Status.IN_PROGRESS
ON_HOLD = Status.ON_HOLD
RESOLVED = Status.RESOLVED
ARCHIVED = Status.ARCHIVED

# (from, to): allowed? — one line per ordered pair, all 25 of them.
# open / in progress / on hold move freely among themselves and may be resolved;
# a resolved ticket may be reopened (back to open) or archived; archiving needs a
# resolved ticket; archived is final here (leaving it is the separate unarchive);
# staying in the same status is not a transition.
EXPECTED: dict[tuple[Status, Status], bool] = {
    (OPEN, OPEN): False,
    (OPEN, IN_PROGRESS): True,
    (OPEN, ON_HOLD): True,
    (OPEN, RESOLVED): True,
    (OPEN, ARCHIVED): False,
    (IN_PROGRESS, OPEN): True,
    (IN_PROGRESS, IN_PROGRESS): False,
    (IN_PROGRESS, ON_HOLD): True,
    (IN_PROGRESS, RESOLVED): True,
    (IN_PROGRESS, ARCHIVED): False,
    (ON_HOLD, OPEN): True,
    (ON_HOLD, IN_PROGRESS): True,
    (ON_HOLD, ON_HOLD): False,
    (ON_HOLD, RESOLVED): True,
    (ON_HOLD, ARCHIVED): False,
    (RESOLVED, OPEN): True,
    (RESOLVED, IN_PROGRESS): False,
    (RESOLVED, ON_HOLD): False,
    (RESOLVED, RESOLVED): False,
    (RESOLVED, ARCHIVED): True,
    (ARCHIVED, OPEN): False,
    (ARCHIVED, IN_PROGRESS): False,
    (ARCHIVED, ON_HOLD): False,
    (ARCHIVED, RESOLVED): False,
    (ARCHIVED, ARCHIVED): False,
}

# Everything a target could need, so a refusal below is about the pair alone.
ALL_INPUTS = {
    "assignee": "U0TECH",
    "hold_reason": "Waiting for a replacement lamp",
    "resolution_notes": "Replaced the lamp and recalibrated",
}

RAW_NAMES = re.compile(r"in_progress|on_hold|Status\.|[{}\[\]<>]")


def assert_readable(message: str) -> None:
    """A sentence an operator can read: capitalised, punctuated, no code names."""
    assert message, "empty message"
    assert message == message.strip()
    assert message[0].isupper(), message
    assert message.endswith("."), message
    assert RAW_NAMES.search(message) is None, message
    assert len(message.split()) >= 4, message


def test_expected_table_covers_every_ordered_pair() -> None:
    assert set(EXPECTED) == set(itertools.product(Status, Status))
    assert len(EXPECTED) == 25


@pytest.mark.parametrize(
    ("current", "target"), [pair for pair, ok in EXPECTED.items() if ok], ids=str
)
def test_allowed_transition(current: Status, target: Status) -> None:
    machine.check_transition(current, target, **ALL_INPUTS)


@pytest.mark.parametrize(
    ("current", "target"), [pair for pair, ok in EXPECTED.items() if not ok], ids=str
)
def test_forbidden_transition(current: Status, target: Status) -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        machine.check_transition(current, target, **ALL_INPUTS)
    message = err.value.message
    assert str(err.value) == message
    assert_readable(message)
    assert isinstance(err.value, TicketError)


@pytest.mark.parametrize(("current", "target"), list(EXPECTED), ids=str)
def test_allowed_table_matches_expected(current: Status, target: Status) -> None:
    assert (target in machine.ALLOWED[current]) is EXPECTED[(current, target)]


# --- messages of forbidden transitions -----------------------------------------------


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_same_status_says_already(status: Status) -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        machine.check_transition(status, status, **ALL_INPUTS)
    assert err.value.message == f"The ticket is already {machine.label(status)}."


@pytest.mark.parametrize("target", [OPEN, IN_PROGRESS, ON_HOLD, RESOLVED], ids=str)
def test_archived_is_final_and_points_to_unarchive(target: Status) -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        machine.check_transition(ARCHIVED, target, **ALL_INPUTS)
    assert "archived ticket is final" in err.value.message
    assert "Unarchive" in err.value.message


@pytest.mark.parametrize("current", [OPEN, IN_PROGRESS, ON_HOLD], ids=str)
def test_archiving_an_unresolved_ticket_says_resolve_first(current: Status) -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        machine.check_transition(current, ARCHIVED, **ALL_INPUTS)
    message = err.value.message
    assert f"is {machine.label(current)} cannot go to archived" in message
    assert "Resolve it first" in message


@pytest.mark.parametrize("target", [IN_PROGRESS, ON_HOLD], ids=str)
def test_resolved_names_both_statuses(target: Status) -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        machine.check_transition(RESOLVED, target, **ALL_INPUTS)
    assert err.value.message == (f"A ticket that is resolved cannot go to {machine.label(target)}.")


def test_labels_are_words() -> None:
    assert {s: machine.label(s) for s in Status} == {
        OPEN: "open",
        IN_PROGRESS: "in progress",
        ON_HOLD: "on hold",
        RESOLVED: "resolved",
        ARCHIVED: "archived",
    }


# --- what each target needs ------------------------------------------------------------


@pytest.mark.parametrize("current", [OPEN, ON_HOLD], ids=str)
@pytest.mark.parametrize("assignee", [None, ""])
def test_in_progress_needs_an_assignee(current: Status, assignee: str | None) -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        machine.check_transition(
            current, IN_PROGRESS, assignee=assignee, hold_reason=None, resolution_notes=None
        )
    assert err.value.message == "Assign someone before marking the ticket in progress."
    assert_readable(err.value.message)


@pytest.mark.parametrize("current", [OPEN, ON_HOLD], ids=str)
def test_in_progress_with_an_assignee_needs_nothing_else(current: Status) -> None:
    machine.check_transition(
        current, IN_PROGRESS, assignee="U0TECH", hold_reason=None, resolution_notes=None
    )


@pytest.mark.parametrize("current", [OPEN, IN_PROGRESS], ids=str)
@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t"])
def test_on_hold_needs_a_reason(current: Status, reason: str | None) -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        machine.check_transition(
            current, ON_HOLD, assignee="U0TECH", hold_reason=reason, resolution_notes="x"
        )
    assert "reason" in err.value.message
    assert_readable(err.value.message)


@pytest.mark.parametrize("current", [OPEN, IN_PROGRESS], ids=str)
def test_on_hold_with_a_reason_needs_nothing_else(current: Status) -> None:
    machine.check_transition(
        current, ON_HOLD, assignee=None, hold_reason="Parts ordered", resolution_notes=None
    )


@pytest.mark.parametrize("current", [OPEN, IN_PROGRESS, ON_HOLD], ids=str)
@pytest.mark.parametrize("notes", [None, "", "   ", "\n"])
def test_resolved_needs_resolution_notes(current: Status, notes: str | None) -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        machine.check_transition(
            current, RESOLVED, assignee="U0TECH", hold_reason="x", resolution_notes=notes
        )
    assert "resolution notes" in err.value.message
    assert_readable(err.value.message)


@pytest.mark.parametrize("current", [OPEN, IN_PROGRESS, ON_HOLD], ids=str)
def test_resolved_with_notes_needs_nothing_else(current: Status) -> None:
    machine.check_transition(
        current, RESOLVED, assignee=None, hold_reason=None, resolution_notes="Rebooted the PC"
    )


@pytest.mark.parametrize(
    ("current", "target"),
    [(IN_PROGRESS, OPEN), (ON_HOLD, OPEN), (RESOLVED, OPEN), (RESOLVED, ARCHIVED)],
    ids=str,
)
def test_targets_without_requirements_need_no_inputs(current: Status, target: Status) -> None:
    machine.check_transition(
        current, target, assignee=None, hold_reason=None, resolution_notes=None
    )


def test_a_forbidden_pair_is_reported_before_missing_inputs() -> None:
    # resolved -> in progress is refused as a transition, not for the missing assignee.
    with pytest.raises(TransitionNotAllowed) as err:
        machine.check_transition(
            RESOLVED, IN_PROGRESS, assignee=None, hold_reason=None, resolution_notes=None
        )
    assert "cannot go to in progress" in err.value.message


# --- unarchive, edits on archived tickets, unassigning -----------------------------------


def test_unarchive_returns_to_resolved() -> None:
    assert machine.UNARCHIVE_TARGET == RESOLVED
    machine.check_unarchive(ARCHIVED)


@pytest.mark.parametrize("current", [OPEN, IN_PROGRESS, ON_HOLD, RESOLVED], ids=str)
def test_only_archived_tickets_can_be_unarchived(current: Status) -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        machine.check_unarchive(current)
    assert err.value.message == (
        f"Only archived tickets can be unarchived; this one is {machine.label(current)}."
    )
    assert_readable(err.value.message)


@pytest.mark.parametrize("current", [OPEN, IN_PROGRESS, ON_HOLD, RESOLVED], ids=str)
def test_non_archived_tickets_are_editable(current: Status) -> None:
    machine.check_editable(current)


def test_archived_tickets_are_not_editable() -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        machine.check_editable(ARCHIVED)
    assert "Unarchive" in err.value.message
    assert_readable(err.value.message)


def test_in_progress_ticket_cannot_be_unassigned() -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        machine.check_unassign(IN_PROGRESS)
    assert "needs an assignee" in err.value.message
    assert_readable(err.value.message)


@pytest.mark.parametrize("current", [OPEN, ON_HOLD, RESOLVED, ARCHIVED], ids=str)
def test_other_tickets_can_be_unassigned_as_far_as_the_machine_cares(current: Status) -> None:
    # (Archived tickets are refused by check_editable, which the service runs first.)
    machine.check_unassign(current)
