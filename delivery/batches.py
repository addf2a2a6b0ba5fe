"""How the sender works through a claimed batch: notices that cannot affect each other go
out side by side, so one slow Slack call (hundreds of milliseconds is common) does not hold
up every card behind it; notices that can stay in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable

from storage.models import OutboxMessageRow

Rows = list[OutboxMessageRow]


def independent_runs(rows: Rows) -> list[Rows]:
    """`rows` split into runs that may be delivered side by side, each in claim order: a
    ticket's notices in one run (its card before the reply about it), a notice of no
    ticket in the run of its place: a thread (its badge's add and remove), or a channel's
    top level (a digest before its chart). Fifty customers' threads are fifty runs, so
    one slow reaction holds up no other thread's badge."""
    runs: dict[Hashable, Rows] = {}
    for row in rows:
        if row.ticket_number is not None:
            key: Hashable = ("ticket", row.ticket_number)
        else:
            key = ("place", str(row.payload.get("channel")), row.payload.get("thread_ts"))
        runs.setdefault(key, []).append(row)
    return list(runs.values())


async def deliver_side_by_side(
    runs: list[Rows], deliver: Callable[[OutboxMessageRow], Awaitable[None]]
) -> None:
    """Each run in order, the runs at once; every run finishes before the first error (a
    database failure: Slack's are settled per row) is raised."""

    async def in_order(run: Rows) -> None:
        for row in run:
            await deliver(row)

    results = await asyncio.gather(*(in_order(run) for run in runs), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
