"""POST /api/system-events as an endpoint: bearer auth, validation with a reason,
idempotency on the event id (also under concurrency), and unknown events — through the
ASGI app `serve` builds, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.monitoring.support import (
    AUTH,
    PATH,
    TOKEN,
    answer,
    body,
    notes,
    send,
    stored_events,
)
from tests.support.app_harness import Harness

# --- auth and validation ---------------------------------------------------------------


async def test_a_request_without_the_right_token_is_refused(events: Harness) -> None:
    wrong = [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}]
    for headers in wrong:
        response = await events.http.post(
            PATH, json=body("pc_reset_failed", bay=1), headers=headers
        )
        assert answer(response) == (401, "unauthorized", None, False), headers
        assert response.headers["www-authenticate"] == "Bearer"
    assert await stored_events(events) == 0 and await events.tickets() == []
    # The OpenAPI description documents the body and every answer.
    spec = (await events.http.get("/openapi.json")).json()
    operation = spec["paths"][PATH]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"id", "location", "event"}
    assert {"200", "201", "202", "400", "401", "503"} <= operation["responses"].keys()


async def test_the_endpoint_is_off_until_a_token_is_set(harness: Harness) -> None:
    response = await harness.http.post(PATH, json=body("pc_reset_failed", bay=1), headers=AUTH)
    assert answer(response) == (503, "unavailable", None, False)
    assert "SYSTEM_EVENTS_TOKEN" in response.json()["note"]
    assert await stored_events(harness) == 0 and await harness.tickets() == []


async def test_a_malformed_body_is_refused_with_a_reason_and_nothing_stored(
    events: Harness,
) -> None:
    good = body("pc_reset_failed", bay=1)
    cases: list[tuple[str | dict[str, Any] | list[Any], str, str]] = [
        ("{not json", "body", "not JSON"),
        ("", "body", "not JSON"),
        ([good], "body", "JSON object"),
        ({k: v for k, v in good.items() if k != "id"}, "id", "required"),
        ({k: v for k, v in good.items() if k != "location"}, "location", "required"),
        ({k: v for k, v in good.items() if k != "event"}, "event", "required"),
        (good | {"id": 42}, "id", "must be a string"),
        (good | {"event": "  "}, "event", "must not be empty"),
        (good | {"bay": "3"}, "bay", "integer"),
        (good | {"bay": 2.5}, "bay", "integer"),
        (good | {"bay": True}, "bay", "integer"),
        (good | {"bay": 9}, "bay", "Bedford has bays 1 to 4"),
        (good | {"location": "Narnia"}, "location", "unknown location 'Narnia'"),
        (good | {"occurred_at": "yesterday"}, "occurred_at", "ISO-8601"),
        (good | {"occurred_at": 1732550000}, "occurred_at", "ISO-8601"),
        (good | {"source": ["a"]}, "source", "must be a string"),
    ]
    for content, field, reason in cases:
        if isinstance(content, str):
            response = await events.http.post(
                PATH, content=content, headers=AUTH | {"Content-Type": "application/json"}
            )
        else:
            response = await events.http.post(PATH, json=content, headers=AUTH)
        assert answer(response) == (400, "rejected", None, False), content
        data = response.json()
        assert data["field"] == field, content
        assert reason in data["error"] and data["error"].startswith(f"{field}:"), data
    assert await stored_events(events) == 0
    assert await events.tickets() == []


# --- idempotency -----------------------------------------------------------------------


async def test_a_repeated_id_answers_200_duplicate_and_changes_nothing(events: Harness) -> None:
    first = await send(events, "trackman_reset_failed", bay=2, event_id="mon-77")
    status, decision, ticket_id, duplicate = answer(first)
    assert (status, decision, duplicate) == (201, "ticket_opened", False)
    await events.settle()
    calls_before = len(events.stub.calls())
    again = await send(events, "trackman_reset_failed", bay=2, event_id="mon-77", minutes=5)
    assert answer(again) == (200, "ticket_opened", ticket_id, True)
    await events.settle()
    [ticket] = await events.tickets()
    assert ticket.ticket_id == ticket_id
    assert await notes(events, ticket_id or "") == []
    assert len(events.stub.calls()) == calls_before  # nothing posted a second time
    assert await stored_events(events) == 1
    # A repeated SOP event is one event too: it never counts towards the third time.
    for _ in range(3):
        sop = await send(events, "projector_offline", bay=1, event_id="mon-78")
    assert answer(sop) == (200, "sop", None, True)
    assert answer(await send(events, "projector_offline", bay=1, minutes=1)) == (
        200,
        "sop",
        None,
        False,
    )
    assert len(await events.tickets()) == 1


async def test_the_same_id_sent_concurrently_is_decided_once(events: Harness) -> None:
    responses = await asyncio.gather(
        *(send(events, "kiosk_offline", event_id="same") for _ in range(4))
    )
    answers = sorted(answer(r) for r in responses)
    [ticket] = await events.tickets()
    assert answers[0] == (200, "ticket_opened", ticket.ticket_id, True)
    assert [a[3] for a in answers].count(False) == 1
    assert await stored_events(events) == 1


# --- unknown events ------------------------------------------------------------------


async def test_an_unknown_event_is_stored_and_answered_202(events: Harness) -> None:
    response = await send(events, "coffee_machine_empty", event_id="odd-1")
    assert answer(response) == (202, "unknown_event", None, False)
    assert "coffee_machine_empty" in response.json()["note"]
    assert await stored_events(events) == 1
    again = await send(events, "coffee_machine_empty", event_id="odd-1")
    assert answer(again) == (200, "unknown_event", None, True)
    await events.settle()
    assert await events.tickets() == []
    assert events.stub.calls("chat.postMessage") == []
