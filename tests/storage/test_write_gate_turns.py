"""Writers after the acks (triage's, the sender's) at SQLite's in-process write gate: in
turns behind a flood of acks, as any writer in a lull, never waiting for acks at Slack's
pace; through the gate and through units of work on a SQLite file."""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from storage import write_gate
from storage.db import Database
from storage.inbox import InboxRepository, record_first
from storage.write_gate import ACKS_SHARE, WriteGate


class Turns:
    """When each writer after acks held the gate, by the loop's clock."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []

    @asynccontextmanager
    async def timed(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        yield
        self.spans.append((start, loop.time()))

    def check_spaced(self) -> None:
        """Each turn began no sooner than ACKS_SHARE times the one before it held the gate
        after that one ended (1 ms for the clock)."""
        for (start, end), (next_start, _) in itertools.pairwise(self.spans):
            assert next_start >= end + ACKS_SHARE * (end - start) - 0.001, self.spans


@pytest.fixture
def wide_lull(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lull is 0.2 s without an ack here, not 10 ms: a loop stalled on a loaded machine
    must not look like one between acks sent a few ms apart."""
    monkeypatch.setattr(write_gate, "LULL_S", 0.2)


@pytest.mark.usefixtures("wide_lull")
async def test_while_acks_flow_writers_after_acks_take_turns_behind_them() -> None:
    """Acks every 2 ms (never a lull): three writers after acks, 10 ms in the gate each,
    go one at a time, each after waiting three times the last one's hold; all of them
    while the acks still flow (none waits for their end)."""
    gate, turns, acking = WriteGate(), Turns(), True

    async def acks() -> None:
        while acking:
            async with gate.held(urgent=True):
                pass
            await asyncio.sleep(0.002)

    async def write() -> None:
        async with gate.held(after_acks=True), turns.timed():
            await asyncio.sleep(0.01)

    stream = asyncio.create_task(acks())
    await asyncio.sleep(0.005)
    await asyncio.wait_for(asyncio.gather(*(write() for _ in range(3))), timeout=5)
    acking = False
    await stream
    assert len(turns.spans) == 3
    turns.check_spaced()


@pytest.mark.usefixtures("wide_lull")
async def test_an_ack_that_comes_while_a_writer_after_acks_waits_goes_first() -> None:
    """The gate is free, but the writer's turn has not come: an ack that comes meanwhile
    writes before it."""
    gate = WriteGate()
    order: list[str] = []

    async def write(name: str, urgent: bool = False, after_acks: bool = False) -> None:
        async with gate.held(urgent=urgent, after_acks=after_acks):
            order.append(name)
            if after_acks:
                await asyncio.sleep(0.05)

    await write("act 1", after_acks=True)  # the first turn: at once
    await write("ack 0", urgent=True)
    await write("ack 1", urgent=True)  # two acks a lull apart at most: acks flow now
    act = asyncio.create_task(write("act 2", after_acks=True))  # its turn in 150 ms
    for n in range(2, 5):
        await asyncio.sleep(0.005)  # no lull
        await write(f"ack {n}", urgent=True)
    await asyncio.wait_for(act, timeout=1)
    assert order == ["act 1", "ack 0", "ack 1", "ack 2", "ack 3", "ack 4", "act 2"]


@pytest.mark.usefixtures("wide_lull")
async def test_once_the_acks_stop_the_writers_waiting_after_them_go_without_turns() -> None:
    """Two writers wait behind a third while acks flow; the lull after the last ack (0.2 s
    here) comes before the next turn (0.3 s after the third's hold of 0.1 s), and both go
    then, one right after the other."""
    gate, turns = WriteGate(), Turns()
    loop = asyncio.get_running_loop()

    async def write(hold: float) -> None:
        async with gate.held(after_acks=True), turns.timed():
            await asyncio.sleep(hold)

    gate.urgent_coming()
    gate.urgent_coming()  # the last two acks
    lull = loop.time() + write_gate.LULL_S
    first = asyncio.create_task(write(0.1))
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(write(0.01)) for _ in range(2)]
    await asyncio.wait_for(asyncio.gather(first, *waiting), timeout=5)
    (_, first_end), (second_start, second_end), (third_start, _) = turns.spans
    assert lull - 0.001 <= second_start < first_end + ACKS_SHARE * 0.1 - 0.05
    assert third_start - second_end < 0.02


async def test_with_no_ack_writers_after_acks_queue_as_any_writer() -> None:
    """No ack: writers after acks and other writers take the gate in the order they came."""
    gate = WriteGate()
    order: list[str] = []

    async def write(name: str, after_acks: bool) -> None:
        async with gate.held(after_acks=after_acks):
            order.append(name)

    async with gate.held():
        waiting = []
        for name, after_acks in (("act 1", True), ("act 2", True), ("claim", False)):
            waiting.append(asyncio.create_task(write(name, after_acks)))
            await asyncio.sleep(0.001)
    await asyncio.wait_for(asyncio.gather(*waiting), timeout=1)
    assert order == ["act 1", "act 2", "claim"]


@pytest.mark.usefixtures("wide_lull")
async def test_acks_a_few_a_second_are_no_flood_to_wait_for() -> None:
    """Acks further apart than a lull (0.3 s against 0.2 here), as Slack's few events a
    second are against 10 ms: a writer after acks that comes right after one does not
    wait for a lull or a turn, though its last hold was long."""
    gate = WriteGate()
    loop = asyncio.get_running_loop()
    async with gate.held(after_acks=True):
        await asyncio.sleep(0.2)  # a turn would be 0.6 s away
    for _ in range(2):
        await asyncio.sleep(0.3)
        async with gate.held(urgent=True):
            pass
        came = loop.time()
        async with gate.held(after_acks=True):
            assert loop.time() - came < 0.1


async def test_with_no_ack_writers_after_acks_do_not_wait() -> None:
    gate = WriteGate()
    loop = asyncio.get_running_loop()
    for hold in (0.05, 0.0, 0.0):  # a long turn before leaves no wait without acks
        came = loop.time()
        async with gate.held(after_acks=True):
            assert loop.time() - came < ACKS_SHARE * 0.05 / 2
            await asyncio.sleep(hold)


async def test_a_writer_after_acks_cancelled_in_the_queue_leaves_the_turn_to_the_next() -> None:
    gate = WriteGate()
    gate.urgent_coming()
    entered: list[str] = []

    async def write(name: str) -> None:
        async with gate.held(after_acks=True):
            entered.append(name)
            await asyncio.sleep(0.01)

    first = asyncio.create_task(write("first"))
    await asyncio.sleep(0)
    gone = asyncio.create_task(write("gone"))
    later = asyncio.create_task(write("later"))
    await asyncio.sleep(0.001)
    gone.cancel()
    await asyncio.wait_for(asyncio.gather(first, later), timeout=1)
    assert entered == ["first", "later"]


@pytest.mark.usefixtures("wide_lull")
async def test_triage_units_of_work_take_turns_behind_stored_acks(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """Through the database: relay acks stored one after another (`record_first`) and
    units of work after acks, as triage's and the sender's."""
    path = tmp_path / "tickets.db"
    shutil.copy(sqlite_template, path)
    db, turns, acking = Database(f"sqlite+aiosqlite:///{path}"), Turns(), True

    async def acks() -> None:
        for n in itertools.count():
            if not acking:
                return
            await record_first(db, f"relay:C0:{n}", "relay", {"n": n}, thread=f"C0:{n}")
            await asyncio.sleep(0.002)

    async def triage(n: int) -> None:
        async with db.unit_of_work(after_acks=True) as session, turns.timed():
            assert await InboxRepository(session).record(f"triage:{n}", "relay", {})
            await asyncio.sleep(0.01)

    try:
        stream = asyncio.create_task(acks())
        await asyncio.sleep(0.02)
        await asyncio.wait_for(asyncio.gather(*(triage(n) for n in range(3))), timeout=10)
        acking = False
        await stream
    finally:
        await db.dispose()
    assert len(turns.spans) == 3
    turns.check_spaced()
