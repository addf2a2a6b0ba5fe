"""What the crash and several-process fault tests share: the generated messages as signed
requests, delivering them as Slack does (retrying what was not acked), and the checks
that every expected ticket and card exists exactly once and none for noise."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from bot.tickets.domain import Ticket
from bot.tickets.service import TicketService
from slackui.ids import CARD_BLOCK_PREFIX
from standin import slack_requests as rq
from standin.slack_api import SlackStub
from storage.db import Database
from storage.models import InboxEventRow
from storage.outbox import OutboxRepository
from tests.faults.relay_traffic import RETRY_REASON, Delivery, Message
from tests.support.cli import cli_env
from tests.support.relay import customer_meta

ROUTED = ("C0FAC", "C0TECH")
#: How long a `serve` may take to answer /healthz: a cold start on a loaded machine (not
#: part of any promised bound, which counts from its answer).
START_TIMEOUT_S = 120.0


def serve_env(slack: SlackStub, database_url: str, club: Path) -> dict[str, str]:
    """`serve` against the Slack stand-in with the product's default triage (`local`)."""
    return cli_env(database_url) | {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": rq.DEFAULT_SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "CLUBOS_CONFIG": str(club),
        "TRIAGE_BACKEND": "local",
    }


def signed_request(message: Message) -> rq.SlackRequest:
    """The relay bot's post of `message` as Slack sends it (retries send the same body)."""
    return rq.message_event(
        message.channel,
        message.text,
        ts=message.ts,
        bot_id="B0RELAY",
        username="Relay",
        subtype="bot_message",
        metadata=customer_meta(f"cust_{message.ts}"),
        event_id=message.event_id,
    )


@dataclass
class Acks:
    """When each message (by thread) was first acked, wall clock; how many requests."""

    first: dict[str, float] = field(default_factory=dict)
    requests: int = 0


async def deliver_once(
    http: httpx.AsyncClient, base_url: str, delivery: Delivery, acks: Acks
) -> httpx.Response:
    """One try of `delivery` at `base_url`; a 200 records the ack."""
    acks.requests += 1
    answered = await rq.post_signed(
        http,
        rq.DEFAULT_SIGNING_SECRET,
        signed_request(delivery.message),
        path=f"{base_url}/slack/events",
        retry_num=delivery.retry_num,
        retry_reason=RETRY_REASON if delivery.retry_num else None,
    )
    assert answered.status_code == 200, answered.text
    acks.first.setdefault(delivery.message.thread, time.time())
    return answered


async def inbox_rows(database: Database) -> list[InboxEventRow]:
    async with database.unit_of_work() as session:
        return list(await session.scalars(select(InboxEventRow)))


async def all_triaged(database: Database, count: int) -> bool:
    async with database.unit_of_work() as session:
        queued = await OutboxRepository(session).pending_count()
    done = Counter(row.status for row in await inbox_rows(database))["done"]
    return done >= count and not queued


def epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


@dataclass(frozen=True)
class Restart:
    killed: float  # wall clock of the SIGKILL
    answered: float  # wall clock of the restarted process's first /healthz answer


def triage_delay(acked: float, triaged: float, restarts: list[Restart]) -> float:
    """The longest a process served while a message waited for triage: from its ack (or
    the restart after a kill that came first) to the next kill or its triage."""
    waits, since = [], acked
    for restart in restarts:
        if since <= restart.killed < triaged:
            waits.append(restart.killed - since)
            since = restart.answered
    return max([*waits, triaged - since])


def triage_delays(
    rows: list[InboxEventRow], acked: dict[str, float], restarts: list[Restart]
) -> dict[str, float]:
    """`triage_delay` of every message, by thread."""
    delays: dict[str, float] = {}
    for row in rows:
        assert row.processed_at is not None, row.thread
        thread = str(row.thread)
        delays[thread] = triage_delay(acked[thread], epoch(row.processed_at), restarts)
    return delays


async def assert_expected_tickets(database: Database, batch: list[Message]) -> dict[str, Ticket]:
    """Every problem's ticket exactly once, at its location and bay, in its thread; none
    for noise; each inbox row done with the matching action. The tickets by thread."""
    async with database.unit_of_work() as session:
        tickets = {t.ticket_id: t for t in await TicketService(session).list()}
    rows = {str(r.thread): r for r in await inbox_rows(database)}
    assert len(rows) == len(batch)
    wrong = [
        (m.text, rows[m.thread].status, rows[m.thread].result)
        for m in batch
        if (rows[m.thread].status, (rows[m.thread].result or {}).get("action"))
        != ("done", "ticket" if m.problem else "none")
    ]
    assert not wrong, wrong
    ticket_of = {
        m.thread: tickets[(rows[m.thread].result or {})["ticket_id"]] for m in batch if m.problem
    }
    assert len(tickets) == len(ticket_of) == len({t.ticket_id for t in ticket_of.values()})
    for message in batch:
        if message.problem:
            ticket = ticket_of[message.thread]
            assert message.thread in ticket.linked_threads, (message.thread, ticket.linked_threads)
            assert (ticket.location, ticket.bay) == (message.location, message.bay), (
                message.text,
                ticket.title,
            )
    return ticket_of


def card_counts(stub: SlackStub, ticket_of: dict[str, Ticket]) -> Counter[tuple[str, str]]:
    """How many times each ticket's card stands in Slack: (ticket id, "thread" or the
    routed channel)."""
    seen: Counter[tuple[str, str]] = Counter()
    for thread, ticket in ticket_of.items():
        channel, _, ts = thread.partition(":")
        for message in stub.messages(channel, ts):
            if _card_of(message) == ticket.ticket_id:
                seen[(ticket.ticket_id, "thread")] += 1
    for channel in ROUTED:
        for message in stub.messages(channel):
            ticket_id = _card_of(message)
            if ticket_id is not None:
                seen[(ticket_id, channel)] += 1
    return seen


def _card_of(message: dict[str, object]) -> str | None:
    blocks = message.get("blocks")
    for block in blocks if isinstance(blocks, list) else []:
        block_id = str(block.get("block_id", ""))
        if block_id.startswith(CARD_BLOCK_PREFIX):
            return block_id.removeprefix(CARD_BLOCK_PREFIX)
    return None


def assert_each_card_once(stub: SlackStub, ticket_of: dict[str, Ticket]) -> int:
    """Every ticket's card once in its thread and once in its routed channel; how many."""
    seen = card_counts(stub, ticket_of)
    assert set(seen.values()) <= {1}, [c for c, n in seen.items() if n > 1][:10]
    places = Counter(ticket_id for ticket_id, _ in seen)
    assert {t.ticket_id for t in ticket_of.values()} == set(places)
    assert set(places.values()) == {2}, [t for t, n in places.items() if n != 2][:10]
    return sum(seen.values())
