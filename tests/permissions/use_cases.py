"""The table of changing use cases the permission tests run: how each is called, from
which state of the ticket, and which tables an operator's call changes (so a refusal is
seen to be the operator check's doing, not a call that could never succeed).

Keyed by name: `Operations`' own methods by method name (a test holds the keys to the
class, so a new method without a row fails), the use cases outside it by dotted path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.access.links import SignInLinks
from bot.intake.quick_tickets import ticket_from_message
from bot.tickets.domain import Category, Priority, Status, Ticket, TicketDraft, TicketEdit
from bot.tickets.usecases import Operations
from tests.support.app_harness import OTHER_OPERATOR, RELAY
from tests.support.signin import link_issued_while_operator

SECRET = "permission-tests-secret"
TICKET_CHANGE = frozenset({"tickets", "ticket_events", "outbox_messages"})


@dataclass(frozen=True)
class Env:
    """What a use case is called on: the use cases, a ticket in the row's start state,
    and the sign-in links."""

    ops: Operations
    ticket: Ticket
    links: SignInLinks


Call = Callable[[Env, str], Awaitable[object]]  # (env, who) -> the use case's answer


@dataclass(frozen=True)
class UseCase:
    call: Call
    changes: frozenset[str] = TICKET_CHANGE  # tables an operator's call changes (at least)
    start: Status = Status.OPEN


DRAFT = TicketDraft(
    title="Bay 2 projector dim",
    category=Category.TECH,
    priority=Priority.MEDIUM,
    location="Bedford",
    bay=2,
)
MESSAGE = {"type": "message", "ts": "1732550000.000900", "text": "the toilet is overflowing"}


async def redeem(env: Env, who: str) -> str:
    """Redeem a link `who` got while an operator (the links issue none to anyone else)."""
    token = await link_issued_while_operator(env.ops.database, SECRET, who)
    return await env.links.redeem(token)


OPERATIONS: dict[str, UseCase] = {
    "create": UseCase(lambda e, who: e.ops.create(who, DRAFT)),
    "assign": UseCase(
        lambda e, who: e.ops.assign(who, e.ticket.ticket_id, OTHER_OPERATOR, e.ticket.version)
    ),
    "change_status": UseCase(
        lambda e, who: e.ops.change_status(
            who, e.ticket.ticket_id, Status.IN_PROGRESS, expected_version=e.ticket.version
        )
    ),
    "resolve": UseCase(
        lambda e, who: e.ops.resolve(who, e.ticket.ticket_id, "Lamp replaced", e.ticket.version)
    ),
    "dismiss": UseCase(
        lambda e, who: e.ops.dismiss(who, e.ticket.ticket_id, "A prank", e.ticket.version)
    ),
    "unarchive": UseCase(
        lambda e, who: e.ops.unarchive(who, e.ticket.ticket_id), start=Status.ARCHIVED
    ),
    "add_note": UseCase(
        lambda e, who: e.ops.add_note(
            who, e.ticket.ticket_id, "Called the vendor", e.ticket.version
        )
    ),
    "set_learnable": UseCase(
        lambda e, who: e.ops.set_learnable(who, e.ticket.ticket_id, True, e.ticket.version)
    ),
    "edit": UseCase(
        lambda e, who: e.ops.edit(
            who, e.ticket.ticket_id, TicketEdit(title="Bay 2 projector dead"), e.ticket.version
        )
    ),
    "dismiss_close": UseCase(lambda e, who: e.ops.dismiss_close(who, e.ticket.ticket_id)),
    "refresh_cards": UseCase(
        lambda e, who: e.ops.refresh_cards(who, e.ticket.ticket_id),
        changes=frozenset({"outbox_messages"}),
    ),
    # A check before a modal asks for more: it changes nothing, even for an operator.
    "check_change": UseCase(
        lambda e, who: e.ops.check_change(who, e.ticket.ticket_id, e.ticket.version),
        changes=frozenset(),
    ),
}

# Operations' methods that are not an operator's: what each is, and why no check.
NOT_OPERATORS: dict[str, str] = {
    "suggest_close": "asked by the system (no actor); no listener or route calls it",
    "validate_draft": "pure: the field errors of a draft, nothing read or written",
    "routed_channel": "pure: the channel a category routes to",
}

ELSEWHERE: dict[str, UseCase] = {
    "bot.intake.quick_tickets.ticket_from_message": UseCase(
        lambda e, who: ticket_from_message(e.ops, who, RELAY, dict(MESSAGE)),
        changes=TICKET_CHANGE | {"inbox_events"},
    ),
    # A token is signed, not stored: issuing writes nothing, even for an operator.
    "bot.access.links.SignInLinks.issue": UseCase(
        lambda e, who: e.links.issue(who), changes=frozenset()
    ),
    "bot.access.links.SignInLinks.redeem": UseCase(redeem, changes=frozenset({"signin_links"})),
}

USE_CASES = {**OPERATIONS, **ELSEWHERE}
