"""Work through batches in order, with the slow half of each item started ahead.

Each item is decided (`decide`: reads, rules, the model; no writes) and then acted on
(`act`: the write). The acts run one at a time in order, across batches, so the work ends
as if each item had been handled alone in turn. An item's decision may start while earlier
items are still being decided or acted on, except when an earlier item of its own lane
(one conversation) is not done yet: it must see what that one did (the ticket it opened).
Triage spent most of its time a message on awaits (the database, threads, the model);
deciding ahead keeps the next acts ready when the write lock comes free.

The next batch is taken while the last REFILL items of the one before are still to be
acted on: taken only once a batch was done, every batch began with an idle act chain
while its first item was decided (about a fifth of a burst's time, bench/analysis.md).
"""

from __future__ import annotations

import asyncio
from asyncio import Event
from collections.abc import AsyncIterable, Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")
Decided = TypeVar("Decided")

#: Decisions under way at once, beside the act.
AHEAD = 8
#: Items still to act on when the next batch is taken.
REFILL = 2 * AHEAD
UNDECIDED: Any = object()  # what a failed decision leaves: nothing to act on


class _Backlog:
    """How many items are taken and not yet done; set `low` once they are REFILL or fewer."""

    def __init__(self, refill: int) -> None:
        self.refill = refill
        self.count = 0
        self.low = Event()
        self.low.set()

    def take(self, count: int) -> None:
        self.count += count
        if self.count > self.refill:
            self.low.clear()

    def done(self) -> None:
        self.count -= 1
        if self.count <= self.refill:
            self.low.set()


async def in_order_ahead(
    batches: AsyncIterable[Sequence[Item]],
    lane_of: Callable[[Item], Hashable],
    decide: Callable[[Item], Awaitable[Decided]],
    act: Callable[[Decided], Awaitable[object]],
    failed: Callable[[Item, Exception], None],
    ahead: int = AHEAD,
    refill: int = REFILL,
) -> None:
    """`act(await decide(item))` for each item of each batch, acts in order (see the module
    doc). An item whose decide or act raises is passed to `failed`; the items after it go
    on. Any other error cancels the rest, and returns only once none of them is running."""
    work = _InOrder(decide, act, failed, ahead, refill)
    last_in_lane: dict[Hashable, Event] = {}
    last: Event | None = None
    async with asyncio.TaskGroup() as handlers:
        async for batch in batches:
            work.backlog.take(len(batch))
            for item in batch:
                lane, done = lane_of(item), Event()
                handlers.create_task(work.handle(item, last, last_in_lane.get(lane), done))
                last = last_in_lane[lane] = done
            await work.backlog.low.wait()


class _InOrder:
    def __init__(
        self,
        decide: Callable[[Any], Awaitable[Any]],
        act: Callable[[Any], Awaitable[object]],
        failed: Callable[[Any, Exception], None],
        ahead: int,
        refill: int,
    ) -> None:
        self.decide, self.act, self.failed = decide, act, failed
        self.deciding = asyncio.Semaphore(ahead)
        self.backlog = _Backlog(refill)

    async def handle(
        self, item: Any, before: Event | None, lane_before: Event | None, done: Event
    ) -> None:
        """Decide `item` once its lane's last item is done, act on it once the item before
        it is done; then say it is done."""
        decided: Any = UNDECIDED
        try:
            try:
                if lane_before is not None:
                    await lane_before.wait()
                async with self.deciding:
                    decided = await self.decide(item)
            except Exception as exc:
                self.failed(item, exc)
            # Acted on in turn, a failed item too: "done" says every item before it is.
            if before is not None:
                await before.wait()
            if decided is not UNDECIDED:
                await self.act(decided)
        except Exception as exc:
            self.failed(item, exc)
        finally:
            done.set()
            self.backlog.done()
