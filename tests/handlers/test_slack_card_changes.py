"""The ticket card's changes end to end: a ticket made through the real modal, its cards
in the customer thread and the routed channel, then every card action clicked as Slack
sends it (payloads built from the card the app posted). Each change must update every
copy of the card in place, say who did what in the thread and keep the thread's badge
right."""

from __future__ import annotations

import json

from bot.tickets.domain import Status
from slackui.ids import Action, ModalInput, ViewId
from standin.slack_requests.clicks import actions_block
from tests.handlers.helpers.cards import (
    act,
    audit,
    both_copies,
    create_ticket,
    current,
    field,
    modal_errors,
    opened_view,
    routed_card,
    submit,
    thread_card,
    thread_replies,
    updated_copies,
)
from tests.handlers.helpers.surfaces import (
    THREAD_TS,
    assert_valid_surfaces,
    told,
)
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, RELAY, Harness


async def test_assign_updates_both_copies_and_says_who_did_it(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    before = await harness.ticket(ticket_id)
    assert len(both_copies(harness)) == 2

    await act(harness, OPERATOR, thread_card(harness), Action.ASSIGN.value, user=OTHER_OPERATOR)

    ticket = await harness.ticket(ticket_id)
    assert ticket.assigned_to == OTHER_OPERATOR and ticket.version == before.version + 1
    assert updated_copies(harness) == both_copies(harness)
    for card in (thread_card(harness), routed_card(harness)):
        shown = current(harness, card)
        assert field(shown, "Assignee") == f"<@{OTHER_OPERATOR}>"
        element = next(
            e
            for e in actions_block(shown.message["blocks"], Action.ASSIGN.value)["elements"]
            if e["action_id"] == Action.ASSIGN.value
        )
        assert element["initial_user"] == OTHER_OPERATOR
        assert ticket_id in shown.message["text"]
    [reply] = thread_replies(harness)
    assert f"<@{OPERATOR}>" in reply and f"assigned it to <@{OTHER_OPERATOR}>" in reply
    assert ticket_id in reply
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["ticket"]
    assert told(harness) == []
    assert_valid_surfaces(harness)


async def test_starting_work_on_an_unassigned_ticket_assigns_whoever_starts(
    harness: Harness,
) -> None:
    ticket_id = await create_ticket(harness)

    await act(
        harness, OTHER_OPERATOR, routed_card(harness), Action.STATUS.value, status="in_progress"
    )

    ticket = await harness.ticket(ticket_id)
    assert (ticket.status, ticket.assigned_to) == (Status.IN_PROGRESS, OTHER_OPERATOR)
    assert updated_copies(harness) == both_copies(harness)
    for card in (thread_card(harness), routed_card(harness)):
        shown = current(harness, card)
        assert field(shown, "Status") == "In progress"
        assert field(shown, "Assignee") == f"<@{OTHER_OPERATOR}>"
        menu = actions_block(shown.message["blocks"], Action.STATUS.value)["elements"][1]
        assert menu["initial_option"]["value"] == f"{ticket_id}|in_progress"
    [reply] = thread_replies(harness)
    assert f"<@{OTHER_OPERATOR}> set it to *In progress*" in reply
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["ticket"]
    assert_valid_surfaces(harness)


async def test_resolving_asks_for_notes_then_resolves_everywhere(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    before = await harness.ticket(ticket_id)

    # From the status menu: the resolve modal opens, nothing changes yet.
    await act(harness, OPERATOR, thread_card(harness), Action.STATUS.value, status="resolved")
    view = opened_view(harness)
    assert view["callback_id"] == ViewId.TICKET_RESOLVE.value
    assert json.loads(view["private_metadata"]) == {
        "ticket_id": ticket_id,
        "version": before.version,
    }
    assert (await harness.ticket(ticket_id)).version == before.version
    assert harness.stub.count("chat.update") == 0

    # From the Resolve button: the same modal; blank notes are refused in the modal.
    await act(harness, OPERATOR, routed_card(harness), Action.RESOLVE.value)
    view = opened_view(harness)
    assert view["callback_id"] == ViewId.TICKET_RESOLVE.value
    assert ModalInput.RESOLUTION_NOTES.value in {b.get("block_id") for b in view["blocks"]}
    errors = modal_errors(await submit(harness, OPERATOR, view, ModalInput.RESOLUTION_NOTES, "  "))
    assert list(errors) == [ModalInput.RESOLUTION_NOTES.value]
    assert "resolution notes" in errors[ModalInput.RESOLUTION_NOTES.value]
    assert (await harness.ticket(ticket_id)).status == Status.OPEN

    answer = await submit(harness, OPERATOR, view, ModalInput.RESOLUTION_NOTES, "Refilled the tray")
    assert modal_errors(answer) == {}
    ticket = await harness.ticket(ticket_id)
    assert (ticket.status, ticket.resolution_notes) == (Status.RESOLVED, "Refilled the tray")
    assert updated_copies(harness) == both_copies(harness)
    for card in (thread_card(harness), routed_card(harness)):
        shown = current(harness, card)
        assert field(shown, "Status") == "Resolved"
        assert "Refilled the tray" in json.dumps(shown.message["blocks"])
    [reply] = thread_replies(harness)
    assert f"<@{OPERATOR}> set it to *Resolved*: Refilled the tray" in reply
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["white_check_mark"]
    assert_valid_surfaces(harness)


async def test_on_hold_asks_for_a_reason(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)

    await act(harness, OPERATOR, thread_card(harness), Action.STATUS.value, status="on_hold")
    view = opened_view(harness)
    assert view["callback_id"] == ViewId.TICKET_HOLD.value
    assert (await harness.ticket(ticket_id)).status == Status.OPEN
    errors = modal_errors(await submit(harness, OPERATOR, view, ModalInput.HOLD_REASON, ""))
    assert "reason" in errors[ModalInput.HOLD_REASON.value]

    await submit(harness, OPERATOR, view, ModalInput.HOLD_REASON, "Waiting for the ball supplier")
    ticket = await harness.ticket(ticket_id)
    assert (ticket.status, ticket.hold_reason) == (Status.ON_HOLD, "Waiting for the ball supplier")
    assert updated_copies(harness) == both_copies(harness)
    shown = current(harness, routed_card(harness))
    assert field(shown, "Status") == "On hold"
    assert "Waiting for the ball supplier" in json.dumps(shown.message["blocks"])
    [reply] = thread_replies(harness)
    assert "set it to *On hold*: Waiting for the ball supplier" in reply
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["ticket"]
    assert_valid_surfaces(harness)


async def test_the_note_modal_adds_a_note_to_the_audit_trail(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    before = await harness.ticket(ticket_id)

    await act(harness, OTHER_OPERATOR, thread_card(harness), Action.NOTE.value)
    view = opened_view(harness)
    assert view["callback_id"] == ViewId.TICKET_NOTE.value
    answer = await submit(
        harness, OTHER_OPERATOR, view, ModalInput.NOTE, "Called the customer back"
    )
    assert modal_errors(answer) == {}

    ticket = await harness.ticket(ticket_id)
    assert ticket.version == before.version + 1 and ticket.status == Status.OPEN
    notes = [e for e in await audit(harness, ticket_id) if e.action == "note"]
    assert [(e.actor, e.note) for e in notes] == [(OTHER_OPERATOR, "Called the customer back")]
    assert updated_copies(harness) == both_copies(harness)
    [reply] = thread_replies(harness)
    assert f"<@{OTHER_OPERATOR}> added a note: Called the customer back" in reply
    assert_valid_surfaces(harness)
