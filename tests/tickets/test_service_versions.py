"""Versions on both databases (the `db` fixture): a change made with a stale version is
refused and changes nothing; of two writers that read the same version, one wins."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.tickets.domain import StaleTicket, Ticket
from bot.tickets.service import TicketService
from storage.db import Database
from tests.tickets.helpers import AI, ARCHIVED, OPERATIONS, create, move, reach, state

Outcome = Ticket | BaseException


@pytest.mark.parametrize("name", list(OPERATIONS))
@pytest.mark.parametrize("offset", [-1, +1], ids=["older", "newer"])
async def test_stale_update_is_refused(db: Database, name: str, offset: int) -> None:
    start, operation = OPERATIONS[name]
    ticket = await reach(db, start, assignee="U0FIRST")
    current, _ = await state(db, ticket.ticket_id)
    if offset < 0:
        # Someone else changes it after `ticket` was read: a note (no version given); an
        # archived ticket is unarchived and archived again instead.
        async with db.unit_of_work() as session:
            svc = TicketService(session)
            if start == ARCHIVED:
                await svc.unarchive(ticket.ticket_id, actor="U0OP2", expected_version=None)
            else:
                await svc.add_note(
                    ticket.ticket_id, "called the vendor", actor="U0OP2", expected_version=None
                )
        current, _ = await state(db, ticket.ticket_id)
        stale = ticket
        assert current.version == ticket.version + 1
        if start == ARCHIVED:
            # Put it back to archived so the operation itself would be allowed.
            current = await move(db, current, ARCHIVED)
            assert current.version == ticket.version + 2
    else:
        stale = replace(ticket, version=ticket.version + 1)
    before = await state(db, ticket.ticket_id)

    with pytest.raises(StaleTicket) as err:
        async with db.unit_of_work() as session:
            await operation(TicketService(session), stale)
    assert (err.value.expected, err.value.actual) == (stale.version, current.version)
    assert err.value.ticket_id == ticket.ticket_id
    assert "changed by someone else" in err.value.message
    assert await state(db, ticket.ticket_id) == before

    # With the version it now has, the same operation goes through.
    async with db.unit_of_work() as session:
        done = await operation(TicketService(session), current)
    assert done.version == current.version + 1


async def race_on_postgres(db: Database, tid: str) -> list[Outcome]:
    """Two engines, two sessions, both holding version 1 when they write."""
    other = Database(db.url)
    barrier = asyncio.Barrier(2)

    async def attempt(database: Database, assignee: str) -> Ticket:
        async with database.unit_of_work() as session:
            svc = TicketService(session)
            seen = await svc.get(tid)
            await barrier.wait()
            return await svc.assign(tid, assignee, actor=assignee, expected_version=seen.version)

    try:
        return list(
            await asyncio.wait_for(
                asyncio.gather(
                    attempt(db, "U0ANNA"), attempt(other, "U0BEN"), return_exceptions=True
                ),
                timeout=20,
            )
        )
    finally:
        await other.dispose()


async def race_on_sqlite(db: Database, tid: str) -> list[Outcome]:
    """SQLite serialises writers: both read version 1, then write one after the other."""

    async def read() -> Ticket:
        async with db.unit_of_work() as session:
            return await TicketService(session).get(tid)

    seen_a, seen_b = await read(), await read()
    assert seen_a.version == seen_b.version == 1
    outcomes: list[Outcome] = []
    for seen, assignee in ((seen_a, "U0ANNA"), (seen_b, "U0BEN")):
        try:
            async with db.unit_of_work() as session:
                outcomes.append(
                    await TicketService(session).assign(
                        tid, assignee, actor=assignee, expected_version=seen.version
                    )
                )
        except StaleTicket as exc:
            outcomes.append(exc)
    return outcomes


async def test_two_writers_that_read_the_same_version_one_wins(db: Database) -> None:
    ticket = await create(db)
    tid = ticket.ticket_id
    race = race_on_postgres if db.url.startswith("postgresql") else race_on_sqlite
    outcomes = await race(db, tid)

    winners = [o for o in outcomes if isinstance(o, Ticket)]
    losers = [o for o in outcomes if isinstance(o, StaleTicket)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert (losers[0].expected, losers[0].actual) == (1, 2)
    final, events = await state(db, tid)
    assert final == winners[0]
    assert final.version == 2
    assert [(e.action, e.actor) for e in events] == [
        ("created", AI),
        ("assigned", final.assigned_to),
    ]
