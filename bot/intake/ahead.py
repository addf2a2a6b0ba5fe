"""Work on a batch in order, with the slow half of each item started ahead.

Each item is decided (`decide`: reads, rules, the model; no writes) and then acted on
(`act`: the write). The acts run one at a time in the batch's order, so the batch ends as
if each item had been handled alone in turn. An item's decision may start while earlier
items are still being decided or acted on, except when an earlier item of its own lane
(one conversation) is not done yet: it must see what that one did (the ticket it opened).
Triage spent most of its time a message on awaits (the database, threads, the model);
deciding ahead keeps the next acts ready when the write lock comes free.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")
Decided = TypeVar("Decided")

#: Decisions under way at once, beside the act.
AHEAD = 8
UNDECIDED: Any = object()  # what a failed decision leaves: nothing to act on


async def in_order_ahead(
    items: Sequence[Item],
    lane_of: Callable[[Item], Hashable],
    decide: Callable[[Item], Awaitable[Decided]],
    act: Callable[[Decided], Awaitable[object]],
    failed: Callable[[Item, Exception], None],
    ahead: int = AHEAD,
) -> None:
    """`act(await decide(item))` for each item, acts in order (see the module doc). An
    item whose decide or act raises is passed to `failed`; the items after it go on. Any
    other error cancels the rest, and returns only once none of them is running."""
    deciding = asyncio.Semaphore(ahead)
    done: list[asyncio.Event] = [asyncio.Event() for _ in items]

    async def handle(index: int, item: Item, lane_before: asyncio.Event | None) -> None:
        decided: Any = UNDECIDED
        try:
            try:
                if lane_before is not None:
                    await lane_before.wait()
                async with deciding:
                    decided = await decide(item)
            except Exception as exc:
                failed(item, exc)
            # Acted on in turn, a failed item too: "done" says every item before it is.
            if index:
                await done[index - 1].wait()
            if decided is not UNDECIDED:
                await act(decided)
        except Exception as exc:
            failed(item, exc)
        finally:
            done[index].set()

    last_in_lane: dict[Hashable, asyncio.Event] = {}
    async with asyncio.TaskGroup() as handlers:
        for index, item in enumerate(items):
            lane = lane_of(item)
            handlers.create_task(handle(index, item, last_in_lane.get(lane)))
            last_in_lane[lane] = done[index]
