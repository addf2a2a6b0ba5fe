"""The ticket card's refusals: a forbidden transition, a card showing an old version, a
non-operator. Refusals go privately to whoever clicked, and change nothing."""

from __future__ import annotations

import json

from slackui.ids import Action, ModalInput, ViewId
from tests.handlers.helpers.cards import (
    act,
    audit,
    both_copies,
    create_ticket,
    current,
    field,
    modal_errors,
    opened_view,
    posted,
    routed_card,
    submit,
    thread_card,
    updated_copies,
)
from tests.handlers.helpers.surfaces import (
    assert_valid_surfaces,
    told,
)
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, RELAY, STRANGER, Harness


async def test_a_forbidden_transition_is_told_privately_and_changes_nothing(
    harness: Harness,
) -> None:
    ticket_id = await create_ticket(harness)
    before = await harness.ticket(ticket_id)
    posts = harness.stub.count("chat.postMessage")

    await act(harness, OPERATOR, thread_card(harness), Action.STATUS.value, status="archived")
    await act(harness, OPERATOR, thread_card(harness), Action.STATUS.value, status="open")

    assert await harness.ticket(ticket_id) == before
    [archived, already_open] = told(harness)
    assert "cannot go to archived" in archived and "Resolve it first" in archived
    assert "already open" in already_open
    assert harness.stub.count("chat.update") == 0
    assert harness.stub.count("chat.postMessage") == posts
    assert harness.stub.count("views.open") == 1  # the create modal only


async def test_a_card_showing_an_old_version_is_refused_and_refreshed(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    old_card = posted(harness, RELAY)  # as first posted: shows version 1
    await act(
        harness, OTHER_OPERATOR, routed_card(harness), Action.ASSIGN.value, user=OTHER_OPERATOR
    )
    changed = await harness.ticket(ticket_id)
    updates = harness.stub.count("chat.update")
    posts = harness.stub.count("chat.postMessage")

    # The stale card (its update "did not arrive"): status, assign and the modals refused.
    await act(harness, OPERATOR, old_card, Action.STATUS.value, status="in_progress", settle=False)
    await act(harness, OPERATOR, old_card, Action.ASSIGN.value, user=OPERATOR, settle=False)
    await act(harness, OPERATOR, old_card, Action.NOTE.value, settle=False)
    await act(harness, OPERATOR, old_card, Action.STATUS.value, status="on_hold", settle=False)
    await harness.settle()

    assert await harness.ticket(ticket_id) == changed
    said = told(harness)
    assert len(said) == 4 and all("changed by someone else" in s for s in said), said
    assert harness.stub.count("views.open") == 1  # the create modal only
    assert harness.stub.count("chat.postMessage") == posts  # no "who did what" reply
    # ... but the cards were re-rendered, so the operator now sees the current state.
    assert updated_copies(harness, since=updates) == both_copies(harness)
    shown = current(harness, old_card)
    assert field(shown, "Assignee") == f"<@{OTHER_OPERATOR}>"
    assert f"version|{ticket_id}|{changed.version}" in {
        b.get("block_id") for b in shown.message["blocks"]
    }

    # A modal opened on the current card whose ticket changes before it is submitted.
    await act(harness, OPERATOR, thread_card(harness), Action.NOTE.value)
    view = opened_view(harness)
    await act(harness, OTHER_OPERATOR, routed_card(harness), Action.ASSIGN.value, user=OPERATOR)
    answer = await submit(harness, OPERATOR, view, ModalInput.NOTE, "too late")
    assert "changed by someone else" in modal_errors(answer)[ModalInput.NOTE.value]
    assert not [e for e in await audit(harness, ticket_id) if e.action == "note"]
    assert_valid_surfaces(harness)


async def test_a_non_operator_is_not_allowed_any_action(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    await harness.runtime.operations.suggest_close(ticket_id, "Looks fixed", "system_event")
    await harness.settle()
    suggestion = posted(harness, RELAY, Action.ACCEPT_CLOSE.value)
    before = await harness.ticket(ticket_id)
    calls = len(harness.stub.calls())

    card = thread_card(harness)
    await act(harness, STRANGER, card, Action.ASSIGN.value, user=STRANGER, settle=False)
    for status in ("in_progress", "on_hold", "resolved", "archived"):
        await act(harness, STRANGER, card, Action.STATUS.value, status=status, settle=False)
    await act(harness, STRANGER, card, Action.NOTE.value, settle=False)
    await act(harness, STRANGER, card, Action.RESOLVE.value, settle=False)
    await act(harness, STRANGER, suggestion, Action.ACCEPT_CLOSE.value, settle=False)
    await act(harness, STRANGER, suggestion, Action.DISMISS_CLOSE.value, settle=False)
    await harness.settle()
    metadata = json.dumps({"ticket_id": ticket_id, "version": before.version})
    for callback, field_id in (
        (ViewId.TICKET_NOTE, ModalInput.NOTE),
        (ViewId.TICKET_RESOLVE, ModalInput.RESOLUTION_NOTES),
        (ViewId.TICKET_HOLD, ModalInput.HOLD_REASON),
    ):
        view = {"callback_id": callback.value, "private_metadata": metadata}
        errors = modal_errors(await submit(harness, STRANGER, view, field_id, "sneaky"))
        assert errors[field_id.value].startswith("Not allowed")

    assert await harness.ticket(ticket_id) == before
    said = told(harness)
    assert len(said) == 9 and all(s.startswith("Not allowed") for s in said), said
    new_methods = {c.method for c in harness.stub.calls()[calls:]}
    assert new_methods <= {"response_url", "usergroups.users.list"}, new_methods
    assert [e.action for e in await audit(harness, ticket_id)] == ["created"]
