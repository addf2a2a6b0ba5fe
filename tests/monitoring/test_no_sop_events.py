"""Events with no SOP path open a ticket at once (internet, power, leak, temperature,
projector lamp, disk space); their "back to normal" suggests closure and never closes;
back online with no open ticket does nothing."""

from __future__ import annotations

from bot.tickets.domain import Category, Priority, Status
from tests.monitoring.support import (
    FAC,
    OPS,
    TECH,
    answer,
    posts,
    resolve,
    send,
    suggestions,
    top_level_posts,
)
from tests.support.app_harness import Harness

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
    await resolve(events, ticket_id or "", "replaced the PSU")
    assert answer(await send(events, "pc_online", bay=1, minutes=5)) == (
        200,
        "nothing",
        None,
        False,
    )
    # Failing again once its ticket is closed: the SOP runs again, no new ticket yet.
    assert answer(await send(events, "pc_offline", bay=1, minutes=90))[1] == "sop"
    assert len(await events.tickets()) == 1
