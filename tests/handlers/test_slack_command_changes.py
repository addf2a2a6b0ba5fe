"""`/ticket` changes end to end: checked in the database and in Slack (every card copy
updated in place, a who-did-what reply in the customer thread). Non-operators change
nothing; refusals are told privately."""

from __future__ import annotations

from bot.tickets.domain import Status
from tests.handlers.helpers.command import (
    NOT_ALLOWED,
    ask,
    assert_changed_in_slack,
    make,
    shown,
    slack_activity,
    thread_replies,
)
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, RELAY, STRANGER, Harness


async def test_assign_by_mention_changes_the_ticket_and_tells_the_thread(
    harness: Harness,
) -> None:
    ticket = await make(harness)
    body = await ask(harness, f"assign {ticket.ticket_id} <@{OTHER_OPERATOR}|bob>")
    assert "Assigned" in shown(body) and f"<@{OTHER_OPERATOR}>" in shown(body)
    assert (await harness.ticket(ticket.ticket_id)).assigned_to == OTHER_OPERATOR
    await assert_changed_in_slack(harness, ticket, OPERATOR, f"assigned it to <@{OTHER_OPERATOR}>")

    await ask(harness, f"assign {ticket.ticket_id} <@{OPERATOR}>")  # unescaped-name form
    assert (await harness.ticket(ticket.ticket_id)).assigned_to == OPERATOR
    await ask(harness, f"assign {ticket.ticket_id} nobody")
    assert (await harness.ticket(ticket.ticket_id)).assigned_to is None
    assert "unassigned it" in thread_replies(harness, ticket)[-1]


async def test_status_changes_in_every_spelling(harness: Harness) -> None:
    ticket = await make(harness)
    await ask(harness, f"status {ticket.ticket_id} in progress")
    now = await harness.ticket(ticket.ticket_id)
    assert (now.status, now.assigned_to) == (Status.IN_PROGRESS, OPERATOR)
    await assert_changed_in_slack(harness, ticket, OPERATOR, "In progress")

    body = await ask(harness, f"status {ticket.ticket_id} on-hold waiting for parts")
    assert "on hold" in shown(body)
    now = await harness.ticket(ticket.ticket_id)
    assert (now.status, now.hold_reason) == (Status.ON_HOLD, "waiting for parts")
    assert "waiting for parts" in thread_replies(harness, ticket)[-1]

    await ask(harness, f"status {ticket.ticket_id} in_progress")
    assert (await harness.ticket(ticket.ticket_id)).status == Status.IN_PROGRESS
    await ask(harness, f"status {ticket.ticket_id} open")
    assert (await harness.ticket(ticket.ticket_id)).status == Status.OPEN


async def test_status_needing_text_is_refused_with_a_pointer(harness: Harness) -> None:
    ticket = await make(harness)
    before, activity = await harness.ticket(ticket.ticket_id), slack_activity(harness)
    body = await ask(harness, f"status {ticket.ticket_id} resolved")
    assert f"/ticket resolve {ticket.ticket_id} &lt;notes&gt;" in shown(body)
    body = await ask(harness, f"status {ticket.ticket_id} on_hold")
    assert "on_hold &lt;reason&gt;" in shown(body)
    assert await harness.ticket(ticket.ticket_id) == before
    assert slack_activity(harness) == activity


async def test_note_is_recorded_and_posted_in_the_thread(harness: Harness) -> None:
    ticket = await make(harness)
    body = await ask(harness, f"note {ticket.ticket_id} called the vendor &amp; <!channel>")
    assert "Note added" in shown(body)
    history = await harness.runtime.operations.history(ticket.ticket_id)
    assert history.events[-1].note == "called the vendor & @channel"
    assert (await harness.ticket(ticket.ticket_id)).version > ticket.version
    await assert_changed_in_slack(harness, ticket, OPERATOR, "called the vendor &amp; @channel")


async def test_resolve_with_notes_by_either_command(harness: Harness) -> None:
    ticket = await make(harness)
    body = await ask(harness, f"resolve {ticket.ticket_id} replaced the lamp")
    assert "Resolved" in shown(body)
    now = await harness.ticket(ticket.ticket_id)
    assert (now.status, now.resolution_notes) == (Status.RESOLVED, "replaced the lamp")
    await assert_changed_in_slack(harness, ticket, OPERATOR, "Resolved", "replaced the lamp")

    other = await make(harness)
    await ask(harness, f"status {other.ticket_id} resolved swapped the cable")
    now = await harness.ticket(other.ticket_id)
    assert (now.status, now.resolution_notes) == (Status.RESOLVED, "swapped the cable")
    await assert_changed_in_slack(harness, other, OPERATOR, "swapped the cable")


async def test_refusals_from_operations_are_told_privately(harness: Harness) -> None:
    ticket = await make(harness)
    activity = slack_activity(harness)
    assert "already open" in shown(await ask(harness, f"status {ticket.ticket_id} open"))
    assert "No ticket T-999." in shown(await ask(harness, "show T-999", read=True))
    assert "No ticket T-999." in shown(await ask(harness, "note T-999 hello"))
    assert "No ticket T-999." in shown(await ask(harness, "assign T-999 me"))
    assert slack_activity(harness) == activity
    assert await harness.ticket(ticket.ticket_id) == ticket


async def test_non_operators_change_nothing(harness: Harness) -> None:
    ticket = await make(harness)
    activity = slack_activity(harness)
    for text in (
        f"assign {ticket.ticket_id} <@{STRANGER}|me>",
        f"assign {ticket.ticket_id} me",
        f"status {ticket.ticket_id} in_progress",
        f"status {ticket.ticket_id} on_hold parts",
        f"status {ticket.ticket_id} resolved done",
        f"note {ticket.ticket_id} hello",
        f"resolve {ticket.ticket_id} fixed",
        "new Bay 2 broken",
        "new",
        "web",
    ):
        body = await ask(harness, text, user=STRANGER, channel=RELAY)
        assert NOT_ALLOWED in shown(body), text
    assert await harness.ticket(ticket.ticket_id) == ticket
    assert len(await harness.tickets()) == 1
    assert slack_activity(harness) == activity
