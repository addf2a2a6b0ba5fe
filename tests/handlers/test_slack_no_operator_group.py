"""With NO operator group configured (as in the sample config), only the listed operators
change tickets: a stranger is refused on every surface that changes something, through
signed Slack requests like any other (the test config everywhere else names a group)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from slackui.ids import Action, ModalInput, Shortcut, ViewId
from standin import slack_requests as rq
from standin.slack_api import SlackStub
from tests.handlers.helpers.cards import (
    act,
    audit,
    create_ticket,
    modal_errors,
    posted,
    submit,
    thread_card,
)
from tests.handlers.helpers.command import NOT_ALLOWED, ask, shown
from tests.handlers.helpers.surfaces import THREAD_TS, as_dict, relayed, told
from tests.support.app_harness import (
    RELAY,
    STRANGER,
    TEST_CONFIG,
    Harness,
    harness_settings,
    open_harness,
)

OPERATOR_GROUP = re.compile(r"^operator_group\s*=.*$", re.MULTILINE)


@pytest.fixture
async def ungrouped(slack_stub: SlackStub, db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The harness on the test config without its `operator_group`, and one ticket with
    its cards and a closure suggestion, made by an operator."""
    config = tmp_path / "clubos.toml"
    text, found = OPERATOR_GROUP.subn("", TEST_CONFIG.read_text(encoding="utf-8"))
    assert found == 1
    config.write_text(text, encoding="utf-8")
    settings = harness_settings(slack_stub, db_url, clubos_config=config)
    async with open_harness(slack_stub, settings) as harness:
        assert harness.runtime.settings.club.slack.operator_group == ""
        ticket_id = await create_ticket(harness)
        await harness.runtime.operations.suggest_close(ticket_id, "Looks fixed", "rules")
        await harness.settle()
        yield harness


async def assert_nothing_changed(h: Harness) -> None:
    [ticket] = await h.tickets()
    assert [e.action for e in await audit(h, ticket.ticket_id)] == ["created"]
    assert h.stub.count("usergroups.users.list") == 0  # no group to ask about


async def test_a_stranger_may_not_use_the_card_or_the_suggestion(ungrouped: Harness) -> None:
    card = thread_card(ungrouped)
    suggestion = posted(ungrouped, RELAY, Action.ACCEPT_CLOSE.value)
    await act(ungrouped, STRANGER, card, Action.ASSIGN.value, user=STRANGER, settle=False)
    for status in ("in_progress", "on_hold", "resolved", "archived"):
        await act(ungrouped, STRANGER, card, Action.STATUS.value, status=status, settle=False)
    await act(ungrouped, STRANGER, card, Action.NOTE.value, settle=False)
    await act(ungrouped, STRANGER, card, Action.RESOLVE.value, settle=False)
    await act(ungrouped, STRANGER, suggestion, Action.ACCEPT_CLOSE.value, settle=False)
    await act(ungrouped, STRANGER, suggestion, Action.DISMISS_CLOSE.value, settle=False)
    await ungrouped.settle()
    said = told(ungrouped)
    assert len(said) == 9 and all(s.startswith("Not allowed") for s in said), said
    assert ungrouped.stub.count("views.open") == 1  # the operator's create modal only
    await assert_nothing_changed(ungrouped)


async def test_a_stranger_may_not_submit_the_card_modals(ungrouped: Harness) -> None:
    [ticket] = await ungrouped.tickets()
    metadata = json.dumps({"ticket_id": ticket.ticket_id, "version": ticket.version})
    for callback, field_id in (
        (ViewId.TICKET_NOTE, ModalInput.NOTE),
        (ViewId.TICKET_RESOLVE, ModalInput.RESOLUTION_NOTES),
        (ViewId.TICKET_HOLD, ModalInput.HOLD_REASON),
    ):
        view = {"callback_id": callback.value, "private_metadata": metadata}
        errors = modal_errors(await submit(ungrouped, STRANGER, view, field_id, "sneaky"))
        assert errors[field_id.value].startswith("Not allowed"), callback
    await assert_nothing_changed(ungrouped)


async def test_a_stranger_may_not_change_tickets_by_command(ungrouped: Harness) -> None:
    [ticket] = await ungrouped.tickets()
    for text in (
        f"assign {ticket.ticket_id} me",
        f"status {ticket.ticket_id} in_progress",
        f"status {ticket.ticket_id} on_hold parts",
        f"status {ticket.ticket_id} resolved done",
        f"note {ticket.ticket_id} hello",
        f"resolve {ticket.ticket_id} fixed",
        "new Bay 2 broken",
        "web",
    ):
        body = await ask(ungrouped, text, user=STRANGER, channel=RELAY)
        assert NOT_ALLOWED in shown(body), text
    assert ungrouped.stub.count("views.open") == 1  # the operator's create modal only
    await assert_nothing_changed(ungrouped)


async def test_a_stranger_may_not_create_tickets(ungrouped: Harness) -> None:
    h = ungrouped
    url = h.stub.response_url()
    await h.post(
        rq.message_shortcut("create_ticket", STRANGER, RELAY, relayed("x"), response_url=url)
    )
    await h.post(rq.global_shortcut(Shortcut.NEW_TICKET.value, STRANGER))
    home_button = rq.button_action(Action.HOME_NEW_TICKET.value, "new", "home_filters")
    await h.post(rq.block_actions(STRANGER, [home_button]))
    h.stub.set_history(RELAY, [relayed("projector in bay 3 is dim")])
    await h.post(rq.reaction_added(STRANGER, "ticket", RELAY, THREAD_TS))
    values = {
        "title": {"title": rq.plain_text("x")},
        "category": {"category": rq.static_select("tech")},
        "priority": {"priority": rq.static_select("low")},
        "location": {"location": rq.static_select("Bedford")},
    }
    answer = await h.post(rq.view_submission(STRANGER, ViewId.TICKET_CREATE.value, values))
    assert answer.json()["response_action"] == "errors"
    await h.settle()
    said = told(h)
    assert len(said) == 2 and all(s.lower().startswith("not allowed") for s in said), said
    notices = [as_dict(c["view"]) for c in h.stub.calls("views.open")[1:]]
    assert len(notices) == 2
    assert all("Not allowed" in json.dumps(n) and "callback_id" not in n for n in notices)
    await assert_nothing_changed(h)
