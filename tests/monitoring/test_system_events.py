"""POST /api/system-events end to end: bearer auth, validation, idempotency on the event
id, and the rules of TRIAGE_RULES.md "System events" (SOPs, repeats within an hour,
location-wide outages, notes, closure suggestions) — through the ASGI app `serve` builds,
with the Slack stub receiving the cards, notes, suggestions and ops alerts, on SQLite and
PostgreSQL. Event times are explicit (`occurred_at`), so the windows need no waiting."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.tickets.domain import Category, Priority, Source, Status
from bot.tickets.service import TicketService
from storage.models import InboxEventRow
from tests.support.app_harness import OPERATOR, Harness, harness_settings, open_harness
from tests.support.slack_stub import SlackStub

TOKEN = "ev3nts-t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PATH = "/api/system-events"
T0 = datetime(2025, 3, 1, 22, 0, tzinfo=UTC)
TECH, FAC, OPS = "C0TECH", "C0FAC", "C0OPS"  # the test config's channels
ANSWER_KEYS = {"decision", "ticket_id", "duplicate"}

_ids = itertools.count(1)


@pytest.fixture
async def events(slack_stub: SlackStub, db_url: str) -> AsyncIterator[Harness]:
    """The whole app with SYSTEM_EVENTS_TOKEN set."""
    settings = harness_settings(slack_stub, db_url, system_events_token=SecretStr(TOKEN))
    async with open_harness(slack_stub, settings) as harness:
        yield harness


def body(
    event: str,
    *,
    bay: int | None = None,
    minutes: float = 0,
    location: str = "Bedford",
    event_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": event_id or f"evt-{next(_ids)}",
        "location": location,
        "event": event,
        "device": None,
        "bay": bay,
        "occurred_at": (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z"),
        "source": "unifi-monitor",
        **extra,
    }


async def send(h: Harness, event: str, **kwargs: Any) -> httpx.Response:
    return await h.http.post(PATH, json=body(event, **kwargs), headers=AUTH)


def answer(response: httpx.Response) -> tuple[int, str, str | None, bool]:
    data = response.json()
    assert data.keys() >= ANSWER_KEYS, data
    return response.status_code, data["decision"], data["ticket_id"], data["duplicate"]


async def stored_events(h: Harness) -> int:
    async with h.runtime.database.unit_of_work() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(InboxEventRow)
            .where(InboxEventRow.kind == "system_event")
        )
    return int(count or 0)


def posts(h: Harness, channel: str) -> list[Any]:
    return [c for c in h.stub.calls("chat.postMessage") if c["channel"] == channel]


def top_level_posts(h: Harness, channel: str) -> list[Any]:
    return [c for c in posts(h, channel) if not c.get("thread_ts")]


def suggestions(h: Harness) -> list[Any]:
    return [
        c
        for c in h.stub.calls("chat.postMessage")
        if "ticket_accept_close" in json.dumps(c.get("blocks") or [])
    ]


async def notes(h: Harness, ticket_id: str) -> list[str]:
    async with h.runtime.database.unit_of_work() as session:
        trail = await TicketService(session).events(ticket_id)
    return [e.note or "" for e in trail if e.action == "note" and e.actor == "monitoring"]


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


# --- devices with an SOP -----------------------------------------------------------------


async def test_a_projector_offline_a_third_time_within_the_hour_opens_one_ticket(
    events: Harness,
) -> None:
    assert answer(await send(events, "projector_offline", bay=3)) == (200, "sop", None, False)
    second = await send(events, "projector_offline", bay=3, minutes=20)
    assert answer(second) == (200, "sop", None, False)
    assert "power-cycle the projector" in second.json()["note"]  # the SOP from the config
    await events.settle()
    assert await events.tickets() == [] and events.stub.calls("chat.postMessage") == []

    third = await send(events, "projector_offline", bay=3, minutes=50)
    status, decision, ticket_id, _ = answer(third)
    assert (status, decision) == (201, "ticket_opened")
    await events.settle()
    [ticket] = await events.tickets()
    assert ticket.ticket_id == ticket_id
    assert (ticket.category, ticket.priority, ticket.status) == (
        Category.TECH,
        Priority.HIGH,
        Status.OPEN,
    )
    assert ticket.title == "Projector offline in Bay 3 (3 times in an hour)"
    assert (ticket.location, ticket.bay, ticket.source) == ("Bedford", 3, Source.SYSTEM_EVENT)
    assert (ticket.created_by, ticket.submitted_by, ticket.decided_by) == (
        "monitoring",
        "unifi-monitor",
        "rules",
    )
    assert ticket.problem_key == "system:projector:3"
    assert ticket.description.count("projector_offline") == 3
    assert ticket.first_response_at is None  # monitoring is no operator
    [card] = top_level_posts(events, TECH)
    assert ticket.ticket_id in card["text"]
    assert posts(events, OPS) == []  # high, not critical: no ops alert

    fourth = await send(events, "projector_offline", bay=3, minutes=55)
    assert answer(fourth) == (201, "noted", ticket_id, False)
    await events.settle()
    assert len(await events.tickets()) == 1
    [note] = await notes(events, ticket.ticket_id)
    assert note.startswith("Projector offline in Bay 3 (4 times within an hour)")
    replies = [c for c in posts(events, TECH) if c.get("thread_ts")]
    assert any("monitoring added a note: Projector offline" in c["text"] for c in replies)
    assert (await events.ticket(ticket.ticket_id)).first_response_at is None


async def test_failures_spread_out_in_time_never_add_up(events: Harness) -> None:
    # Offline 4 times, but never 3 times within one hour.
    for minutes in (0, 50, 115, 180):
        response = await send(events, "pc_offline", bay=2, minutes=minutes)
        assert answer(response) == (200, "sop", None, False), minutes
    # Three bays down, but never within 10 minutes of each other.
    for bay, minutes in ((1, 300), (3, 315), (4, 330)):
        assert answer(await send(events, "pc_offline", bay=bay, minutes=minutes))[1] == "sop"
    assert await events.tickets() == []


async def test_events_arriving_out_of_order_still_count(events: Harness) -> None:
    # Delivered late: the third failure within the hour is the earliest one.
    assert answer(await send(events, "projector_offline", bay=1, minutes=40))[1] == "sop"
    assert answer(await send(events, "projector_offline", bay=1, minutes=55))[1] == "sop"
    late = await send(events, "projector_offline", bay=1, minutes=0)
    assert answer(late)[:2] == (201, "ticket_opened")
    ticket = await events.ticket(answer(late)[2] or "")
    assert ticket.title == "Projector offline in Bay 1 (3 times in an hour)"


async def test_a_failed_reset_opens_a_ticket_at_once(events: Harness) -> None:
    # Any case of a configured location's name; the ticket carries the configured one.
    response = await send(events, "trackman_reset_failed", bay=4, location="bEDFORD")
    status, decision, ticket_id, _ = answer(response)
    assert (status, decision) == (201, "ticket_opened")
    await events.settle()
    [ticket] = await events.tickets()
    assert (ticket.ticket_id, ticket.location, ticket.bay) == (ticket_id, "Bedford", 4)
    assert (ticket.category, ticket.priority) == (Category.TECH, Priority.HIGH)
    assert ticket.title == "TrackMan reset failed in Bay 4"
    assert ticket.problem_key == "system:trackman:4"
    assert "restart TrackMan" in ticket.description
    assert len(top_level_posts(events, TECH)) == 1


async def test_a_device_without_an_sop_opens_a_ticket_the_first_time(events: Harness) -> None:
    # The test config has no SOP for the kiosk.
    status, decision, ticket_id, _ = answer(await send(events, "kiosk_offline"))
    assert (status, decision) == (201, "ticket_opened")
    ticket = await events.ticket(ticket_id or "")
    assert (ticket.title, ticket.bay, ticket.priority) == (
        "Kiosk offline at Bedford",
        None,
        Priority.HIGH,
    )
    assert ticket.problem_key == "system:kiosk"


async def test_the_door_controller_failing_is_critical_for_the_whole_location(
    events: Harness,
) -> None:
    assert answer(await send(events, "door_controller_offline"))[1] == "sop"
    status, decision, ticket_id, _ = answer(await send(events, "door_controller_reset_failed"))
    assert (status, decision) == (201, "ticket_opened")
    await events.settle()
    ticket = await events.ticket(ticket_id or "")
    assert (ticket.priority, ticket.category, ticket.bay) == (
        Priority.CRITICAL,
        Category.TECH,
        None,
    )
    assert ticket.title == "Door controller reset failed at Bedford"
    assert ticket.problem_key == "system:location:Bedford"
    [alert] = posts(events, OPS)
    assert ticket.ticket_id in alert["text"] and "Critical" in alert["text"]
    # While the location is down, a bay device failing is part of the same outage.
    response = await send(events, "pc_reset_failed", bay=1, minutes=2)
    assert answer(response) == (201, "noted", ticket_id, False)
    # The door controller back: the only thing the ticket took in is up again.
    back = await send(events, "door_controller_online", minutes=10)
    assert answer(back)[:3] == (201, "noted", ticket_id)  # the bay PC is still down
    assert "still down: PC reset failed in Bay 1" in back.json()["note"]
    fixed = await send(events, "pc_online", bay=1, minutes=11)
    assert answer(fixed) == (200, "close_suggested", ticket_id, False)
    await events.settle()
    assert len(await events.tickets()) == 1
    assert (await events.ticket(ticket.ticket_id)).status == Status.OPEN


# --- location-wide outages ---------------------------------------------------------------


async def test_four_bays_down_make_one_critical_ticket_for_the_location(events: Harness) -> None:
    # Another location's bay going down is not part of Bedford's outage.
    assert answer(await send(events, "pc_offline", bay=5, location="Dartmouth"))[1] == "sop"
    answers = [answer(await send(events, "pc_offline", bay=b, minutes=b)) for b in (1, 2, 3, 4)]
    assert [a[:2] for a in answers] == [
        (200, "sop"),
        (200, "sop"),
        (201, "ticket_opened"),
        (201, "noted"),
    ]
    ticket_id = answers[2][2]
    assert answers[3][2] == ticket_id
    await events.settle()
    [ticket] = await events.tickets()  # no ticket per bay
    assert ticket.ticket_id == ticket_id
    assert (ticket.priority, ticket.category, ticket.location, ticket.bay) == (
        Priority.CRITICAL,
        Category.TECH,
        "Bedford",
        None,
    )
    assert ticket.title == "Bedford: 4 bays down"
    assert ticket.problem_key == "system:location:Bedford"
    assert all(f"Bay {b}" in ticket.description for b in (1, 2, 3))
    [alert] = posts(events, OPS)
    assert ticket.ticket_id in alert["text"]
    assert len(top_level_posts(events, TECH)) == 1
    [note] = await notes(events, ticket.ticket_id)
    assert note.startswith("PC offline in Bay 4")

    # Bays coming back: a note while others are still down, a suggestion for the last.
    for bay in (1, 2, 3):
        response = await send(events, "pc_online", bay=bay, minutes=20 + bay)
        assert answer(response) == (201, "noted", ticket_id, False)
    assert "still down: PC offline in Bay 4" in response.json()["note"]
    assert suggestions(events) == []
    last = await send(events, "pc_online", bay=4, minutes=30)
    assert answer(last) == (200, "close_suggested", ticket_id, False)
    await events.settle()
    [suggestion] = suggestions(events)
    assert ticket.ticket_id in suggestion["text"]
    assert (await events.ticket(ticket.ticket_id)).status == Status.OPEN  # never closed
    assert len(await events.tickets()) == 1


async def test_concurrent_outage_events_still_make_one_ticket(events: Harness) -> None:
    responses = await asyncio.gather(
        *(send(events, "projector_offline", bay=b, minutes=b / 10) for b in (1, 2, 3, 4))
    )
    decisions = sorted(answer(r)[1] for r in responses)
    assert decisions == ["noted", "sop", "sop", "ticket_opened"]
    [ticket] = await events.tickets()
    assert ticket.priority == Priority.CRITICAL
    assert ticket.title == "Bedford: 4 bays down"


async def test_concurrent_repeats_of_one_device_open_one_ticket(events: Harness) -> None:
    responses = await asyncio.gather(
        *(send(events, "pc_offline", bay=2, minutes=m) for m in range(5))
    )
    decisions = sorted(answer(r)[1] for r in responses)
    assert decisions == ["noted", "noted", "sop", "sop", "ticket_opened"]
    [ticket] = await events.tickets()
    assert ticket.priority == Priority.HIGH and ticket.bay == 2


# --- events with no SOP path -------------------------------------------------------------

NO_SOP = [
    # event, location, bay, category, priority, title
    (
        "internet_down",
        "Bedford",
        None,
        Category.TECH,
        Priority.CRITICAL,
        "Internet down at Bedford",
    ),
    (
        "power_loss",
        "Dartmouth",
        None,
        Category.FACILITIES,
        Priority.CRITICAL,
        "Power loss at Dartmouth",
    ),
    ("leak_detected", "Bedford", 1, Category.FACILITIES, Priority.HIGH, "Leak detected in Bay 1"),
    (
        "temperature_low",
        "Bedford",
        2,
        Category.FACILITIES,
        Priority.MEDIUM,
        "Temperature low in Bay 2",
    ),
    (
        "projector_lamp_low",
        "Bedford",
        3,
        Category.TECH,
        Priority.MEDIUM,
        "Projector lamp low in Bay 3",
    ),
    ("disk_space_low", "Bedford", 4, Category.TECH, Priority.LOW, "Disk space low in Bay 4"),
]


async def test_events_with_no_sop_open_a_ticket_at_once(events: Harness) -> None:
    opened: dict[str, str] = {}
    for event, location, bay, category, priority, title in NO_SOP:
        response = await send(events, event, bay=bay, location=location)
        status, decision, ticket_id, _ = answer(response)
        assert (status, decision) == (201, "ticket_opened"), event
        ticket = await events.ticket(ticket_id or "")
        assert (ticket.category, ticket.priority, ticket.title) == (category, priority, title)
        assert (ticket.location, ticket.bay) == (location, bay)
        opened[event] = ticket.ticket_id
    await events.settle()
    assert len(await events.tickets()) == len(NO_SOP)
    alerts = posts(events, OPS)  # the two critical ones, and only them
    assert len(alerts) == 2
    assert opened["internet_down"] in alerts[0]["text"]
    assert opened["power_loss"] in alerts[1]["text"]
    assert len(top_level_posts(events, TECH)) == 3
    assert len(top_level_posts(events, FAC)) == 3
    # Power lost where the internet is already down: the same location outage.
    again = await send(events, "power_loss", minutes=1)
    assert answer(again) == (201, "noted", opened["internet_down"], False)
    # The same leak reported again: a note, no second ticket.
    leak = await send(events, "leak_detected", bay=1, minutes=3)
    assert answer(leak) == (201, "noted", opened["leak_detected"], False)
    assert len(await events.tickets()) == len(NO_SOP)


async def test_a_restored_event_suggests_closure_and_never_closes(events: Harness) -> None:
    _, _, leak_id, _ = answer(await send(events, "leak_detected", bay=2))
    _, _, net_id, _ = answer(await send(events, "internet_down", minutes=1))
    await events.settle()
    cleared = await send(events, "leak_cleared", bay=2, minutes=30)
    assert answer(cleared) == (200, "close_suggested", leak_id, False)
    restored = await send(events, "internet_restored", minutes=31)
    assert answer(restored) == (200, "close_suggested", net_id, False)
    await events.settle()
    shown = suggestions(events)
    assert len(shown) == 2
    assert leak_id in shown[0]["text"] and net_id in shown[1]["text"]
    # Each suggestion sits under its ticket's card in the routed channel.
    assert shown[0]["channel"] == FAC and shown[0]["thread_ts"]
    assert shown[1]["channel"] == TECH and shown[1]["thread_ts"]
    for ticket in await events.tickets():
        assert ticket.status == Status.OPEN and ticket.resolved_at is None


async def test_back_online_with_no_open_ticket_does_nothing(events: Harness) -> None:
    for event, bay in (("projector_online", 3), ("internet_restored", None)):
        response = await send(events, event, bay=bay)
        assert answer(response) == (200, "nothing", None, False)
    # An SOP event earlier changes nothing about that.
    await send(events, "pc_offline", bay=1)
    assert answer(await send(events, "pc_online", bay=1, minutes=2)) == (
        200,
        "nothing",
        None,
        False,
    )
    await events.settle()
    assert await events.tickets() == []
    assert events.stub.calls("chat.postMessage") == []


async def test_back_online_after_the_ticket_was_resolved_does_nothing(events: Harness) -> None:
    _, _, ticket_id, _ = answer(await send(events, "pc_reset_failed", bay=1))
    async with events.runtime.database.unit_of_work() as session:
        await TicketService(session).change_status(
            ticket_id or "",
            Status.RESOLVED,
            actor=OPERATOR,
            expected_version=None,
            resolution_notes="replaced the PSU",
        )
    assert answer(await send(events, "pc_online", bay=1, minutes=5)) == (
        200,
        "nothing",
        None,
        False,
    )
    # Failing again once its ticket is closed: the SOP runs again, no new ticket yet.
    assert answer(await send(events, "pc_offline", bay=1, minutes=90))[1] == "sop"
    assert len(await events.tickets()) == 1


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


async def test_the_third_ticket_for_one_device_this_week_gets_a_recurrence_parent(
    events: Harness,
) -> None:
    opened: list[str] = []
    for minutes in (0, 120, 240):
        status, decision, ticket_id, _ = answer(
            await send(events, "projector_reset_failed", bay=3, minutes=minutes)
        )
        assert (status, decision) == (201, "ticket_opened")
        opened.append(ticket_id or "")
        async with events.runtime.database.unit_of_work() as session:
            await TicketService(session).change_status(
                ticket_id or "",
                Status.RESOLVED,
                actor=OPERATOR,
                expected_version=None,
                resolution_notes="power-cycled by hand",
            )
    await events.settle()
    children = [await events.ticket(ticket_id) for ticket_id in opened]
    [parent_id] = {child.parent_id for child in children}
    assert parent_id is not None and parent_id not in opened
    parent = await events.ticket(parent_id)
    assert parent.priority == Priority.CRITICAL  # high, one step up
    assert "3 projector tickets in Bay 3" in parent.title


async def test_a_location_with_a_long_name_works_on_every_database(
    slack_stub: SlackStub, db_url: str, tmp_path: Path
) -> None:
    # The grouping key must fit the inbox's 64-character column (PostgreSQL enforces it).
    name = "Indoor Golf Simulator Centre of Lower Sackville, Nova Scotia"  # 60 of 64
    config = tmp_path / "clubos.toml"
    config.write_text(f'[[locations]]\nname = "{name}"\nbays = 12\nrelay_channels = ["C0LONG"]\n')
    settings = harness_settings(
        slack_stub, db_url, clubos_config=config, system_events_token=SecretStr(TOKEN)
    )
    async with open_harness(slack_stub, settings) as h:
        answers = [
            answer(await send(h, "projector_offline", bay=b, location=name.upper()))
            for b in (10, 11, 12)
        ]
        assert [a[1] for a in answers] == ["sop", "sop", "ticket_opened"]
        ticket = await h.ticket(answers[2][2] or "")
        assert ticket.title == f"{name}: 3 bays down" and ticket.location == name
        back = await send(h, "projector_online", bay=10, location=name, minutes=5)
        assert answer(back)[:3] == (201, "noted", ticket.ticket_id)
