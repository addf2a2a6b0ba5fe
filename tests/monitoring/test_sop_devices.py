"""Devices with a standard remote procedure (TRIAGE_RULES.md "System events"): offline
once or twice within the hour runs the SOP, the third time (or a failed reset) opens a
ticket, later failures become notes; the door controller is critical for the whole
location; a device's third ticket in a week gets a recurrence parent."""

from __future__ import annotations

from bot.tickets.domain import Category, Priority, Source, Status
from tests.monitoring.support import (
    OPS,
    TECH,
    answer,
    notes,
    posts,
    resolve,
    send,
    top_level_posts,
)
from tests.support.app_harness import Harness


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
    await _a_fourth_time_is_a_note_on_it(events, ticket.ticket_id)


async def _a_fourth_time_is_a_note_on_it(events: Harness, ticket_id: str) -> None:
    fourth = await send(events, "projector_offline", bay=3, minutes=55)
    assert answer(fourth) == (201, "noted", ticket_id, False)
    await events.settle()
    assert len(await events.tickets()) == 1
    [note] = await notes(events, ticket_id)
    assert note.startswith("Projector offline in Bay 3 (4 times within an hour)")
    replies = [c for c in posts(events, TECH) if c.get("thread_ts")]
    assert any("monitoring added a note: Projector offline" in c["text"] for c in replies)
    assert (await events.ticket(ticket_id)).first_response_at is None


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
        await resolve(events, ticket_id or "", "power-cycled by hand")
    await events.settle()
    children = [await events.ticket(ticket_id) for ticket_id in opened]
    [parent_id] = {child.parent_id for child in children}
    assert parent_id is not None and parent_id not in opened
    parent = await events.ticket(parent_id)
    assert parent.priority == Priority.CRITICAL  # high, one step up
    assert "3 projector tickets in Bay 3" in parent.title
