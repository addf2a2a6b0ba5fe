"""Location-wide outages: several bays of one location down at once make one critical
ticket for the location (also when the events arrive together), which takes in later
failures as notes and suggests closure once every bay is back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pydantic import SecretStr

from bot.tickets.domain import Category, Priority, Status
from standin.slack_api import SlackStub
from tests.monitoring.support import (
    OPS,
    TECH,
    TOKEN,
    answer,
    notes,
    posts,
    send,
    suggestions,
    top_level_posts,
)
from tests.support.app_harness import Harness, harness_settings, open_harness


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
    await _bays_coming_back_suggest_closure_at_the_last(events, ticket.ticket_id)


async def _bays_coming_back_suggest_closure_at_the_last(events: Harness, ticket_id: str) -> None:
    """A note while others are still down, a suggestion for the last."""
    for bay in (1, 2, 3):
        response = await send(events, "pc_online", bay=bay, minutes=20 + bay)
        assert answer(response) == (201, "noted", ticket_id, False)
    assert "still down: PC offline in Bay 4" in response.json()["note"]
    assert suggestions(events) == []
    last = await send(events, "pc_online", bay=4, minutes=30)
    assert answer(last) == (200, "close_suggested", ticket_id, False)
    await events.settle()
    [suggestion] = suggestions(events)
    assert ticket_id in suggestion["text"]
    assert (await events.ticket(ticket_id)).status == Status.OPEN  # never closed
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
