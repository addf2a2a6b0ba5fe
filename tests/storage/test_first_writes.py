"""The relay ack's insert (`record_first`) and SQLite's in-process write gate: acks go
before the writers already waiting, a burst of acks is stored exactly once each, and a
cancelled waiter never leaves the gate shut."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from storage.db import Database
from storage.inbox import PENDING, InboxRepository, record_first
from storage.models import InboxEventRow
from storage.write_gate import WriteGate


async def test_a_burst_of_acks_is_stored_once_each(db: Database) -> None:
    keys = [f"relay:C0RELAY:{n}" for n in range(60)]
    # Every key twice, at once: one of each pair is new, the other finds it.
    answers = await asyncio.gather(
        *(
            record_first(db, key, "relay", {"text": f"message {n}"}, thread=f"C0RELAY:{n}")
            for n, key in enumerate(keys + keys)
        )
    )
    assert sum(answers) == len(keys)
    assert all(first != second for first, second in zip(answers[:60], answers[60:], strict=True))
    async with db.reading() as session:
        rows = list(await session.scalars(select(InboxEventRow).order_by(InboxEventRow.id)))
    assert sorted(row.idempotency_key for row in rows) == sorted(keys)
    by_key = {row.idempotency_key: row for row in rows}
    stored = by_key["relay:C0RELAY:7"]
    assert (stored.payload, stored.thread, stored.status) == (
        {"text": "message 7"},
        "C0RELAY:7",
        PENDING,
    )
    assert stored.received_at.tzinfo is not None and stored.attempts == 0


async def test_an_ack_is_stored_while_a_unit_of_work_waits(db: Database) -> None:
    """The ack's insert and the session's writers share the database and the gate: both
    commit, neither is lost or deadlocked."""
    async with db.unit_of_work() as session:
        assert await InboxRepository(session).record("k-session", "relay", {})
        # Stored while this unit of work holds SQLite's write lock: it waits its turn.
        ack = asyncio.create_task(record_first(db, "k-ack", "relay", {}, thread=None))
        await asyncio.sleep(0.05)
        assert not ack.done() or db.url.startswith("postgresql")
    assert await asyncio.wait_for(ack, timeout=5)
    async with db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(InboxEventRow)) == 2


async def test_urgent_writers_go_first_then_in_order() -> None:
    gate = WriteGate()
    order: list[str] = []

    async def write(name: str, urgent: bool) -> None:
        async with gate.held(urgent=urgent):
            order.append(name)
            await asyncio.sleep(0)

    async with gate.held():
        waiting = [
            asyncio.create_task(write("triage 1", False)),
            asyncio.create_task(write("sender", False)),
            asyncio.create_task(write("ack 1", True)),
            asyncio.create_task(write("ack 2", True)),
        ]
        await asyncio.sleep(0.01)
        assert order == []
    await asyncio.gather(*waiting)
    assert order == ["ack 1", "ack 2", "triage 1", "sender"]


async def test_a_cancelled_waiter_leaves_the_gate_to_the_next() -> None:
    gate = WriteGate()
    entered: list[str] = []

    async def write(name: str) -> None:
        async with gate.held():
            entered.append(name)

    async with gate.held():
        gone = asyncio.create_task(write("gone"))
        later = asyncio.create_task(write("later"))
        await asyncio.sleep(0.01)
        gone.cancel()
    await asyncio.wait_for(later, timeout=1)
    assert entered == ["later"]
    async with asyncio.timeout(1), gate.held():  # open again
        pass
