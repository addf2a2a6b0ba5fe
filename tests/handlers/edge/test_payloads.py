"""Signed payloads with fields of the wrong type: a 400 naming the field before anything
is stored or acked, never a 500 and never Python's repr in a ticket; a relay message with
unreadable metadata is still triaged, on its text, with the customer unknown."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from standin import slack_requests as rq
from tests.support.app_harness import OPERATOR, RELAY, Harness
from tests.support.edge import stored_rows
from tests.support.relay import customer_says

Mutation = Callable[[dict[str, Any]], None]


def _relay(mutate: Mutation, text: str = "toilet is overflowing") -> rq.SlackRequest:
    body = json.loads(customer_says(text, "1732550000.000100")[0])
    mutate(body)
    return json.dumps(body), rq.JSON


def _form(payload: dict[str, Any]) -> rq.SlackRequest:
    return f"payload={quote(json.dumps(payload))}", rq.FORM


def _set(path: str, value: Any) -> Mutation:
    def mutate(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            body = body[key]
        body[last] = value

    return mutate


BAD_EVENTS = {
    "event-null": _set("event", None),
    "event-list": _set("event", [1, 2]),
    "event-string": _set("event", "zz"),
    "ts-dict": _set("event.ts", {"x": 1}),
    "channel-dict": _set("event.channel", {"x": 1}),
    "user-list": _set("event.user", ["U1"]),
    "authorizations-string": _set("authorizations", "zz"),
    "enterprise-install-list": _set("is_enterprise_install", [1]),
    "team-list": _set("team", [1]),
    "text-dict": _set("event.text", {"x": 1}),
}


@pytest.mark.parametrize("mutate", BAD_EVENTS.values(), ids=BAD_EVENTS.keys())
async def test_a_malformed_event_is_a_400_that_stores_nothing(
    harness: Harness, mutate: Mutation
) -> None:
    before = await stored_rows(harness.runtime.database)
    response = await harness.post(_relay(mutate))
    assert response.status_code == 400
    assert response.json()["error"]
    await harness.settle()
    assert await stored_rows(harness.runtime.database) == before


BAD_METADATA: dict[str, Any] = {
    "string": "zz",
    "list": [1],
    "payload-string": {"event_type": "customer_message", "event_payload": "zz"},
    "customer-dict": {"event_type": "customer_message", "event_payload": {"customer_id": {"x": 1}}},
    "bay-dict": {"event_type": "customer_message", "event_payload": {"bay": {"x": 1}}},
}


@pytest.mark.parametrize("metadata", BAD_METADATA.values(), ids=BAD_METADATA.keys())
async def test_a_relay_message_with_bad_metadata_is_triaged_on_its_text(
    harness: Harness, metadata: Any
) -> None:
    response = await harness.post(_relay(_set("event.metadata", metadata)))
    assert response.status_code == 200
    await harness.settle()
    [ticket] = await harness.tickets()
    assert ticket.category.value == "facilities"
    assert "{" not in ticket.submitted_by and "[" not in ticket.submitted_by


async def test_nul_bytes_in_a_customer_id_and_text_are_dropped(harness: Harness) -> None:
    meta = {"event_type": "customer_message", "event_payload": {"customer_id": "cust\x00_7"}}
    request = customer_says("toilet\x00 is overflowing", "1732550000.000200", meta=meta)
    assert (await harness.post(request)).status_code == 200
    await harness.settle()
    [ticket] = await harness.tickets()
    assert ticket.submitted_by == "cust_7"
    assert "\x00" not in ticket.description


async def test_a_nul_byte_in_a_note_is_dropped(harness: Harness) -> None:
    assert (await harness.post(customer_says("toilet is overflowing", "1.000300"))).is_success
    await harness.settle()
    [ticket] = await harness.tickets()
    request = rq.slash_command(
        f"note {ticket.ticket_id} called\x00 the plumber",
        OPERATOR,
        RELAY,
        response_url=harness.stub.response_url(),
    )
    assert (await harness.post(request)).status_code == 200
    await harness.settle()
    history = await harness.runtime.operations.history(ticket.ticket_id)
    notes = [event.note for event in history.events if event.note]
    assert "called the plumber" in notes


BAD_INTERACTIVE: dict[str, dict[str, Any]] = {
    "shortcut-user-string": {
        "type": "shortcut",
        "callback_id": "new_ticket",
        "trigger_id": "1.2.3",
        "user": "U0OP1",
    },
    "message-shortcut-no-message": {
        "type": "message_action",
        "callback_id": "create_ticket",
        "trigger_id": "1.2.3",
        "user": {"id": OPERATOR},
        "channel": {"id": RELAY},
    },
    "action-selected-user-dict": {
        "type": "block_actions",
        "user": {"id": OPERATOR},
        "actions": [{"action_id": "ticket_assign", "selected_user": {"x": 1}}],
    },
    "action-none-taken": {  # found by the fuzz: Bolt's matchers read the first action
        "type": "block_actions",
        "user": {"id": OPERATOR},
        "actions": [],
    },
    "view-response-urls-null": {  # found by the fuzz: Bolt takes len() of any present key
        "type": "view_submission",
        "user": {"id": OPERATOR},
        "view": {"callback_id": "ticket_create"},
        "response_urls": None,
    },
    "view-without-type": {  # found by the fuzz: Bolt reads view["type"] first
        "type": "view_submission",
        "user": {"id": OPERATOR},
        "view": {"callback_id": "ticket_create", "private_metadata": ""},
    },
    "view-metadata-dict": {
        "type": "view_submission",
        "user": {"id": OPERATOR},
        "view": {"callback_id": "ticket_create", "private_metadata": {"customer": "x"}},
    },
    "view-values-list": {
        "type": "view_submission",
        "user": {"id": OPERATOR},
        "view": {"callback_id": "ticket_create", "state": {"values": [1]}},
    },
}


@pytest.mark.parametrize("payload", BAD_INTERACTIVE.values(), ids=BAD_INTERACTIVE.keys())
async def test_malformed_interactivity_is_a_400_before_any_ack(
    harness: Harness, payload: dict[str, Any]
) -> None:
    before = await stored_rows(harness.runtime.database)
    response = await harness.post(_form(payload))
    assert response.status_code == 400
    assert await stored_rows(harness.runtime.database) == before
    assert harness.stub.calls() == []


async def test_a_create_modal_with_unreadable_metadata_makes_a_manual_ticket(
    harness: Harness,
) -> None:
    values = {
        "title": {"title": rq.plain_text("Projector dim")},
        "category": {"category": rq.static_select("tech")},
        "priority": {"priority": rq.static_select("medium")},
        "location": {"location": rq.static_select("Bedford")},
    }
    request = rq.view_submission(OPERATOR, "ticket_create", values, private_metadata="[1, 2]")
    response = await harness.post(request)
    assert response.status_code == 200
    [ticket] = await harness.tickets()
    assert ticket.submitted_by == OPERATOR and ticket.linked_thread is None
