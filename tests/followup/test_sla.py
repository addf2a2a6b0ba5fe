"""SLA notices through the real parts: tickets in the database, `check_slas` with an
injected clock (a scheduler tick), the outbox sender posting to the Slack stub. Each
notice (ticket, clock, level) goes out once, however many ticks or processes check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.club import ConfigError, load_club_config
from bot.followup.sla.notices import check_slas, duration
from bot.tickets.domain import Category, Priority, Source, Status, Ticket, TicketDraft
from bot.tickets.notices import Notifier
from bot.tickets.service import TicketService
from standin.slack_api import SlackStub
from storage.db import Database
from storage.sla import SlaRepository
from tests.support.app_harness import (
    OPERATOR,
    TEST_CONFIG,
    Harness,
    harness_settings,
    open_harness,
)

AI = "OperatorGPT"
TECH, FAC, OPS = "C0TECH", "C0FAC", "C0OPS"


@pytest.fixture
async def escalating(slack_stub: SlackStub, db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The app with `[sla] escalate_to` set: an on-call group and a user."""
    config = tmp_path / "clubos.toml"
    config.write_text(
        TEST_CONFIG.read_text(encoding="utf-8") + '\n[sla]\nescalate_to = ["S0ONCALL", "U0LEAD"]\n',
        encoding="utf-8",
    )
    settings = harness_settings(slack_stub, db_url, clubos_config=config)
    async with open_harness(slack_stub, settings) as h:
        yield h


async def ai_ticket(
    h: Harness,
    priority: Priority = Priority.HIGH,
    category: Category = Category.TECH,
    title: str = "Projector dim",
) -> Ticket:
    """A ticket the AI opened from a customer report: no operator has responded yet."""
    async with h.runtime.database.unit_of_work() as session:
        ticket = await TicketService(session).create(
            TicketDraft(
                title=title,
                category=category,
                priority=priority,
                location="Bedford",
                bay=3,
                customer="cust_1",
            ),
            actor=AI,
            source=Source.MESSAGE_THREAD,
        )
        Notifier(session, h.runtime.operations.routed_channel, h.runtime.sender.wake).created(
            ticket
        )
    await h.settle()
    return ticket


async def tick(h: Harness, at: Ticket, after: timedelta) -> int:
    """One scheduler tick at `after` past the ticket's opening, delivered to Slack."""
    sent = await check_slas(
        h.runtime.database, h.runtime.settings.club, at.timestamp + after, h.runtime.sender.wake
    )
    await h.settle()
    return sent


def sla_posts(h: Harness) -> list[tuple[str, str]]:
    return [
        (str(c["channel"]), str(c["text"]))
        for c in h.stub.calls("chat.postMessage")
        if "SLA" in str(c.get("text"))
    ]


async def test_a_warning_at_75_percent_is_sent_once_then_an_alert_at_90(harness: Harness) -> None:
    ticket = await ai_ticket(harness, Priority.HIGH)  # response 1 h, resolution 4 h
    assert await tick(harness, ticket, timedelta(minutes=40)) == 0  # 67%: nothing yet

    assert await tick(harness, ticket, timedelta(minutes=46)) == 1  # 77% of the response
    assert await tick(harness, ticket, timedelta(minutes=46)) == 0  # the same tick again
    assert await tick(harness, ticket, timedelta(minutes=50)) == 0  # later, still < 90%
    [(channel, text)] = sla_posts(harness)
    assert channel == TECH
    assert "SLA warning" in text and ticket.ticket_id in text and "high" in text
    assert "first response due in 14 min" in text
    assert "Projector" not in text  # no ticket text in the notice

    assert await tick(harness, ticket, timedelta(minutes=55)) == 1  # 92%: the alert
    assert await tick(harness, ticket, timedelta(minutes=57)) == 0
    posts = sla_posts(harness)
    assert len(posts) == 2
    assert posts[1][0] == TECH and "SLA alert" in posts[1][1] and "due in 5 min" in posts[1][1]
    assert not any("<@" in text or "<!" in text for _, text in posts)


async def test_a_breach_escalates_to_the_configured_on_call_and_the_ops_channel(
    escalating: Harness,
) -> None:
    ticket = await ai_ticket(escalating, Priority.CRITICAL)  # response 15 min, resolution 1 h
    # The first tick after a downtime finds the response clock past every level at once:
    # only the breach goes out, the warning and alert are recorded, not posted.
    assert await tick(escalating, ticket, timedelta(minutes=17)) == 1
    # One post in each channel; the two go out side by side, in either order.
    posts = dict(sla_posts(escalating))
    assert len(sla_posts(escalating)) == 2 and set(posts) == {TECH, OPS}
    routed, ops = posts[TECH], posts[OPS]
    assert "SLA breached" in routed and ticket.ticket_id in routed and "critical" in routed
    assert "first response overdue by 2 min" in routed
    assert "<!subteam^S0ONCALL>" in routed and "<@U0LEAD>" in routed
    assert "SLA breached" in ops and ticket.ticket_id in ops and "<!subteam" not in ops
    async with escalating.runtime.database.unit_of_work() as session:
        sent = await SlaRepository(session).sent([ticket.number])
    assert sent == {(ticket.number, "response"): {"warning", "alert", "breach"}}

    assert await tick(escalating, ticket, timedelta(minutes=20)) == 0  # no spam
    # The resolution clock (1 h) has its own notices: 75% at 45 min.
    assert await tick(escalating, ticket, timedelta(minutes=46)) == 1
    assert "resolution due in 14 min" in sla_posts(escalating)[-1][1]
    assert len(sla_posts(escalating)) == 3


async def test_low_priority_breaches_are_noticed_without_escalation(escalating: Harness) -> None:
    ticket = await ai_ticket(escalating, Priority.LOW, Category.FACILITIES, "Stool wobbles")
    assert await tick(escalating, ticket, timedelta(hours=25)) == 1  # response: 24 h
    [(channel, text)] = sla_posts(escalating)
    assert channel == FAC and "SLA breached" in text and "low" in text
    assert "overdue by 1 h" in text
    assert "<!subteam" not in text and "<@" not in text and "escalating" not in text


async def test_an_operators_first_action_stops_the_response_clock(harness: Harness) -> None:
    answered = await ai_ticket(harness, Priority.HIGH)
    waiting = await ai_ticket(harness, Priority.HIGH)
    assigned = await harness.runtime.operations.assign(OPERATOR, answered.ticket_id, OPERATOR)
    assert assigned.first_response_at is not None
    assert await tick(harness, waiting, timedelta(minutes=50)) == 1
    [(_, text)] = sla_posts(harness)
    assert waiting.ticket_id in text and answered.ticket_id not in text
    # Its resolution clock still runs: 75% of 4 h.
    # Later: the answered ticket's resolution clock still runs (75% of 4 h); the waiting
    # one breaches its response and warns on its resolution.
    assert await tick(harness, answered, timedelta(hours=3, minutes=5)) == 3
    texts = [text for _, text in sla_posts(harness)[1:]]
    assert any(answered.ticket_id in t and "resolution" in t for t in texts)


async def test_resolved_tickets_get_no_notices(harness: Harness) -> None:
    ticket = await ai_ticket(harness, Priority.CRITICAL)
    await harness.runtime.operations.resolve(OPERATOR, ticket.ticket_id, "Lamp replaced")
    assert await tick(harness, ticket, timedelta(hours=5)) == 0
    assert sla_posts(harness) == []


async def test_tickets_on_hold_keep_their_clocks(harness: Harness) -> None:
    ticket = await ai_ticket(harness, Priority.MEDIUM)  # resolution 24 h
    await harness.runtime.operations.change_status(
        OPERATOR, ticket.ticket_id, Status.ON_HOLD, hold_reason="Waiting for a part"
    )
    assert await tick(harness, ticket, timedelta(hours=22)) == 1
    [(_, text)] = sla_posts(harness)
    assert "SLA alert" in text and "resolution due in 2 h" in text


async def test_two_processes_checking_at_once_send_each_notice_once(harness: Harness) -> None:
    tickets = [await ai_ticket(harness, Priority.HIGH) for _ in range(4)]
    url = harness.runtime.database.url
    club = harness.runtime.settings.club
    first, second = Database(url), Database(url)
    try:
        for after in (timedelta(minutes=46), timedelta(minutes=55), timedelta(minutes=61)):
            at = tickets[0].timestamp + after
            counts = await asyncio.gather(check_slas(first, club, at), check_slas(second, club, at))
            assert sum(counts) == len(tickets)
    finally:
        await first.dispose()
        await second.dispose()
    harness.runtime.sender.wake()
    await harness.settle()
    posts = sla_posts(harness)
    for ticket in tickets:
        mine = [text for ch, text in posts if ch == TECH and f"*{ticket.ticket_id}*" in text]
        levels = sorted(text.split("*")[1] for text in mine)
        assert levels == ["SLA alert", "SLA breached", "SLA warning"], mine


def test_durations_read_naturally() -> None:
    assert duration(timedelta(seconds=30)) == "30 s"
    assert duration(timedelta(minutes=14, seconds=59)) == "14 min"
    assert duration(timedelta(hours=1)) == "1 h"
    assert duration(timedelta(hours=1, minutes=5)) == "1 h 05 min"
    assert duration(timedelta(days=3, hours=4)) == "3 d 4 h"


def test_escalation_targets_must_be_slack_ids(tmp_path: Path) -> None:
    path = tmp_path / "clubos.toml"
    path.write_text('[sla]\nescalate_to = ["@oncall"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_club_config(path)
    assert "sla.escalate_to" in str(caught.value)
    path.write_text('[sla]\nescalate_to = ["S0ONCALL", "U0LEAD"]\n', encoding="utf-8")
    assert load_club_config(path).sla.mentions == ["<!subteam^S0ONCALL>", "<@U0LEAD>"]
    assert load_club_config(None).sla.escalate_to == []
