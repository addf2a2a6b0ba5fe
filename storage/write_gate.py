"""One SQLite writer at a time inside the process, urgent ones first.

SQLite lets one transaction write at a time. Without a gate, a second writer's BEGIN
IMMEDIATE meets the lock and SQLite's busy handler sleeps and retries (1, 2, 5 ... 100 ms
between tries), so under load writers wait far longer than the lock is held and the relay
ack's insert sleeps behind triage and the sender. Inside one process the gate hands the
lock over the moment it is free, acks first; other processes on the same file still meet
SQLite's busy timeout, as before.

A writer may also come after the acks (`after_acks`: triage's and the sender's writes, which
Slack does not time). In a lull they go as any writer; while acks flow (`acks_flow`) they
take turns: each once it has waited `ACKS_SHARE` times as long as the one before
it held the gate, so they hold it a quarter of a burst at most. Each waiting on its
own (each act waited for a lull, 0.2 s at most) let triage's acts and the sender's writes
hold the gate ~80% of a 5,000-message burst of acks, in turns of ~25 ms each: a busy loop
is slow to bring every hop of a transaction back.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

#: A lull: this long since an urgent writer came, and none waiting or writing.
LULL_S = 0.01
#: While acks flow, a writer after them waits this many times as long as the one before
#: it held the gate.
ACKS_SHARE = 3.0


class WriteGate:
    """A FIFO lock with an urgent lane. Waiters are futures of the loop that awaits them;
    the gate is for one event loop at a time (a database's writers share the app's loop)."""

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()
        self._urgent_before = self._last_urgent = float("-inf")
        self._urgent_in = 0  # urgent writers waiting for the gate or holding it
        self._after_acks = AfterAcks(self)

    def urgent_coming(self) -> None:
        """An urgent writer came (an ack's insert, or a batch of them)."""
        self._urgent_before, self._last_urgent = (
            self._last_urgent,
            asyncio.get_running_loop().time(),
        )

    def acks_flow(self, now: float) -> bool:
        """Acks wait for the gate or hold it, or the last two came within a lull of each
        other and of now: a flood, not Slack's few events a second (a stream of 50 a
        second, one each 20 ms, is no flood: its acks hold the gate ~5% of the time)."""
        if self._urgent_in > 0:
            return True
        return now - self._last_urgent < LULL_S and self._last_urgent - self._urgent_before < LULL_S

    def next_lull(self) -> float:
        return self._last_urgent + LULL_S

    @asynccontextmanager
    async def held(self, *, urgent: bool = False, after_acks: bool = False) -> AsyncIterator[None]:
        """The gate, for one writer at a time: `urgent` ones (acks) first; `after_acks`
        ones in turns behind the acks while acks flow."""
        loop = asyncio.get_running_loop()
        if urgent:
            self.urgent_coming()
            self._urgent_in += 1
            try:
                async with self._taken(urgent=True):
                    yield
            finally:
                self._urgent_in -= 1
            return
        if not after_acks:
            async with self._taken(urgent=False):
                yield
            return
        await self._after_acks.turn()
        since = None
        try:
            async with self._taken(urgent=False):
                since = loop.time()
                yield
        finally:
            self._after_acks.done(0.0 if since is None else loop.time() - since)

    @asynccontextmanager
    async def _taken(self, urgent: bool) -> AsyncIterator[None]:
        if self._held:
            await self._wait(self._urgent if urgent else self._normal)
        else:
            self._held = True
        try:
            yield
        finally:
            self._hand_over()

    async def _wait(self, lane: deque[asyncio.Future[None]]) -> None:
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        lane.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._hand_over()  # handed the gate as it was cancelled: pass it on
            elif turn in lane:
                lane.remove(turn)
            raise

    def _hand_over(self) -> None:
        """Give the gate to the next waiter (urgent first), or open it."""
        for lane in (self._urgent, self._normal):
            while lane:
                turn = lane.popleft()
                if not turn.done():
                    turn.set_result(None)
                    return
        self._held = False


class AfterAcks:
    """The turns of a gate's writers after acks. In a lull they all go (to the gate's queue,
    in order); while acks flow, one at a time, each once the acks have had `ACKS_SHARE`
    times the last one's hold of the gate."""

    def __init__(self, gate: WriteGate) -> None:
        self._gate = gate
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._out = 0  # writers given their turn that have not finished it
        self._next_turn = float("-inf")  # while acks flow, no turn before this
        self._timer: asyncio.TimerHandle | None = None

    async def turn(self) -> None:
        """Wait for this writer's turn; call `done` after it, whatever happens."""
        if not self._waiting and self._may_go(asyncio.get_running_loop().time()):
            self._out += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        self._arm()
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.done(0.0)  # given its turn as it was cancelled: pass it on
            elif turn in self._waiting:
                self._waiting.remove(turn)
            raise

    def done(self, held_for: float) -> None:
        self._out -= 1
        self._next_turn = asyncio.get_running_loop().time() + ACKS_SHARE * held_for
        self._arm()

    def _may_go(self, now: float) -> bool:
        if not self._gate.acks_flow(now):
            return True
        return not self._out and now >= self._next_turn

    def _arm(self) -> None:
        """Give the waiters their turns, or wake up when the next may have it."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._waiting and self._may_go(now):
            turn = self._waiting.popleft()
            if not turn.done():
                self._out += 1
                turn.set_result(None)
        if self._waiting:
            lull = self._gate.next_lull()
            # Acks waiting for the gate or in it are no lull: look again a lull later.
            at = lull if lull > now else now + LULL_S
            if not self._out:
                at = min(at, self._next_turn)
            self._timer = loop.call_at(at, self._arm)
