"""`/ticket dismiss T-n <why>`: an operator says a ticket should never have been opened.
It is archived with the reason in its timeline, marked dismissed and learnable (triage
learns from it); anyone else changes nothing."""

from __future__ import annotations

from bot.tickets.domain import Status
from tests.handlers.helpers.command import (
    NOT_ALLOWED,
    ask,
    assert_changed_in_slack,
    make,
    shown,
    slack_activity,
)
from tests.support.app_harness import OPERATOR, RELAY, STRANGER, Harness


async def test_an_operator_dismisses_a_ticket(harness: Harness) -> None:
    ticket = await make(harness, "Music too quiet in the lounge")
    body = await ask(
        harness, f"dismiss {ticket.ticket_id} asking for louder music &amp; not a fault"
    )
    assert "Dismissed" in shown(body)

    now = await harness.ticket(ticket.ticket_id)
    assert (now.status, now.dismissed, now.learnable) == (Status.ARCHIVED, True, True)
    assert now.resolution_notes == "Dismissed: asking for louder music & not a fault"
    history = await harness.runtime.operations.history(ticket.ticket_id)
    last = history.events[-1]
    assert (last.actor, last.action, last.note) == (
        OPERATOR,
        "dismissed",
        "asking for louder music & not a fault",
    )
    assert last.changes["status"] == ["open", "archived"]
    await assert_changed_in_slack(harness, ticket, OPERATOR, "dismissed it")

    shown_now = shown(await ask(harness, f"show {ticket.ticket_id}", read=True))
    assert "dismissed it as not a ticket" in shown_now
    again = shown(await ask(harness, f"dismiss {ticket.ticket_id} twice"))
    assert "archived ticket is final" in again


async def test_a_non_operator_dismisses_nothing(harness: Harness) -> None:
    ticket = await make(harness)
    activity = slack_activity(harness)
    body = await ask(
        harness, f"dismiss {ticket.ticket_id} not a ticket", user=STRANGER, channel=RELAY
    )
    assert NOT_ALLOWED in shown(body)
    assert await harness.ticket(ticket.ticket_id) == ticket
    assert slack_activity(harness) == activity
    history = await harness.runtime.operations.history(ticket.ticket_id)
    assert [e.action for e in history.events] == ["created"]
