"""The ticket status machine: the one place that says which status may follow which."""

from __future__ import annotations

from bot.tickets.domain import Status, TransitionNotAllowed

_LABELS = {
    Status.OPEN: "open",
    Status.IN_PROGRESS: "in progress",
    Status.ON_HOLD: "on hold",
    Status.RESOLVED: "resolved",
    Status.ARCHIVED: "archived",
}

# The statuses of a ticket still to be dealt with, in the order work moves through them
# (the digest shows them in this order).
OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD)
# The same, as stored: what repositories filter on.
OPEN_VALUES = tuple(sorted(s.value for s in OPEN_STATUSES))

# Archiving is only for resolved tickets, so every archived ticket carries resolution
# notes; leaving `archived` is the explicit unarchive, which returns it to `resolved`.
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.IN_PROGRESS, Status.ON_HOLD, Status.RESOLVED}),
    Status.IN_PROGRESS: frozenset({Status.OPEN, Status.ON_HOLD, Status.RESOLVED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.ARCHIVED}),
    Status.ARCHIVED: frozenset(),
}

UNARCHIVE_TARGET = Status.RESOLVED


def label(status: Status) -> str:
    return _LABELS[status]


def check_transition(
    current: Status,
    target: Status,
    *,
    assignee: str | None,
    hold_reason: str | None,
    resolution_notes: str | None,
) -> None:
    """Raise TransitionNotAllowed unless `current -> target` is allowed with these inputs.

    `assignee` is the assignee the ticket will have after the change.
    """
    if current == target:
        raise TransitionNotAllowed(f"The ticket is already {label(current)}.")
    if current == Status.ARCHIVED:
        raise TransitionNotAllowed(
            "An archived ticket is final. Unarchive it first (it returns to resolved)."
        )
    if target not in ALLOWED[current]:
        hint = ""
        if target == Status.ARCHIVED:
            hint = " Resolve it first, with resolution notes."
        raise TransitionNotAllowed(
            f"A ticket that is {label(current)} cannot go to {label(target)}.{hint}"
        )
    if target == Status.IN_PROGRESS and not assignee:
        raise TransitionNotAllowed("Assign someone before marking the ticket in progress.")
    if target == Status.ON_HOLD and not (hold_reason and hold_reason.strip()):
        raise TransitionNotAllowed("Say why the ticket is on hold (a reason is required).")
    if target == Status.RESOLVED and not (resolution_notes and resolution_notes.strip()):
        raise TransitionNotAllowed("Say how it was fixed: resolving needs resolution notes.")


def check_unarchive(current: Status) -> None:
    if current != Status.ARCHIVED:
        raise TransitionNotAllowed(
            f"Only archived tickets can be unarchived; this one is {label(current)}."
        )


def check_editable(current: Status) -> None:
    """Any change other than unarchive is refused on an archived ticket."""
    if current == Status.ARCHIVED:
        raise TransitionNotAllowed(
            "An archived ticket is final. Unarchive it first (it returns to resolved)."
        )


def check_unassign(current: Status) -> None:
    if current == Status.IN_PROGRESS:
        raise TransitionNotAllowed(
            "An in-progress ticket needs an assignee: reassign it, or move it back to open first."
        )
