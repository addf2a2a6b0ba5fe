"""Two operators changing one ticket at once, each from the card they were shown (the
version it was rendered with, as every surface passes it): every round both act on the
same version, so exactly one wins and the other is refused and told to reload. Nothing is
lost: every accepted change is in the audit timeline, in order, each starting from the one
before, and the ticket ends as the last accepted change left it. Each operator has an
engine of their own (as two app processes would), on SQLite and PostgreSQL; the long run
(100 rounds, 200 updates) carries the `slow` marker."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import pytest

from bot.tickets.domain import StaleTicket
from bot.tickets.usecases import Operations
from slackui.ids import Action
from standin import slack_requests as rq
from storage.db import Database
from tests.handlers.helpers.cards import (
    audit,
    both_copies,
    click,
    thread_card,
    updated_copies,
)
from tests.handlers.helpers.command import make
from tests.handlers.helpers.surfaces import told
from tests.permissions.use_cases import DRAFT
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, Harness
from tests.support.signin import permissions_of

RELOAD = "Reload it and try again."
SHORT, LONG = 20, 100
SLACK_ROUNDS = 5


@dataclass
class Desk:
    """One operator at work: their own engine, what they got done, what they were told."""

    who: str
    ops: Operations
    accepted: list[tuple[int, str]] = field(default_factory=list)  # (version, assignee)
    refused: list[str] = field(default_factory=list)


async def work(desk: Desk, ticket_id: str, rounds: int, barrier: asyncio.Barrier) -> None:
    for n in range(rounds):
        card = await desk.ops.get(ticket_id)  # the card as rendered, with its version
        await barrier.wait()  # both look at the same version, then both act
        assignee = f"U{desk.who[-3:]}{n:04d}"
        try:
            ticket = await desk.ops.assign(desk.who, ticket_id, assignee, card.version)
        except StaleTicket as refused:
            desk.refused.append(refused.message)
        else:
            desk.accepted.append((ticket.version, assignee))
        await barrier.wait()  # the round is over for both before the next card is read


async def conflicting_updates(db_url: str, rounds: int) -> tuple[list[Desk], float]:
    permissions = permissions_of(OPERATOR, OTHER_OPERATOR)
    databases = [Database(db_url) for _ in range(2)]
    desks = [
        Desk(who, Operations(database, permissions.club, permissions))
        for who, database in zip((OPERATOR, OTHER_OPERATOR), databases, strict=True)
    ]
    ticket = await desks[0].ops.create(OPERATOR, DRAFT)
    barrier = asyncio.Barrier(2)
    started = time.perf_counter()
    try:
        await asyncio.gather(*(work(d, ticket.ticket_id, rounds, barrier) for d in desks))
    finally:
        for database in databases:
            await database.dispose()
    return desks, time.perf_counter() - started


async def check(db: Database, db_url: str, rounds: int) -> None:
    desks, seconds = await conflicting_updates(db_url, rounds)
    accepted = sorted(a for d in desks for a in d.accepted)
    refused = [message for d in desks for message in d.refused]
    print(
        f"\n{rounds} rounds x 2 operators on {db.engine.dialect.name}: {len(accepted)} "
        f"accepted, {len(refused)} refused as stale, {seconds:.2f} s"
    )
    assert len(accepted) == rounds and len(refused) == rounds  # one winner a round
    assert all(RELOAD in message for message in refused)

    permissions = permissions_of(OPERATOR)
    history = await Operations(db, permissions.club, permissions).history("T-1")
    assigned = [e for e in history.events if e.action == "assigned"]
    assert [e.changes["assigned_to"][1] for e in assigned] == [a for _, a in accepted]
    befores = [e.changes["assigned_to"][0] for e in assigned]
    assert befores == [None, *[a for _, a in accepted][:-1]]  # each from the one before
    assert [v for v, _ in accepted] == list(range(2, rounds + 2))
    assert history.ticket.version == rounds + 1
    assert history.ticket.assigned_to == accepted[-1][1]


async def test_conflicting_updates_lose_nothing(db: Database, db_url: str) -> None:
    await check(db, db_url, SHORT)


@pytest.mark.slow
async def test_a_hundred_conflicting_updates_each_lose_nothing(db: Database, db_url: str) -> None:
    await check(db, db_url, LONG)


async def test_on_the_card_the_one_who_lost_is_told_to_reload(harness: Harness) -> None:
    """Through Slack: both operators pick an assignee on the same card at once (signed
    requests, acked at once, worked on concurrently); one wins, the other is told privately
    that someone else changed it and to reload, and every copy of the card is refreshed."""
    ticket = await make(harness)
    for n in range(SLACK_ROUNDS):
        card, told_before = thread_card(harness), len(told(harness))
        updates = harness.stub.count("chat.update")
        await asyncio.gather(
            *(
                harness.post(
                    rq.block_actions(
                        who,
                        [click(card, Action.ASSIGN.value, user=f"U{who[-3:]}{n:04d}")],
                        channel=card.channel,
                        message=card.message,
                        response_url=harness.stub.response_url(),
                    )
                )
                for who in (OPERATOR, OTHER_OPERATOR)
            )
        )
        await harness.settle()
        [said] = told(harness)[told_before:]
        assert "changed by someone else" in said and RELOAD in said, said
        assert updated_copies(harness, since=updates) == both_copies(harness)
        assert (await harness.ticket(ticket.ticket_id)).version == ticket.version + n + 1
    events = await audit(harness, ticket.ticket_id)
    assert len([e for e in events if e.action == "assigned"]) == SLACK_ROUNDS
