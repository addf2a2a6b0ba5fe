"""How the sender works through a claimed batch: notices that cannot affect each other go
out side by side, so one slow Slack call (hundreds of milliseconds is common) does not hold
up every card behind it; notices that can stay in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from bot.tickets.notices import Notice
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
        for wave in _waves(run):
            _raise_first(await asyncio.gather(*map(deliver, wave), return_exceptions=True))

    _raise_first(await asyncio.gather(*map(in_order, runs), return_exceptions=True))


def _raise_first(results: list[Any]) -> None:
    """Once every delivery of a gather has finished: the first error, if any."""
    for result in results:
        if isinstance(result, BaseException):
            raise result


def _waves(run: Rows) -> list[Rows]:
    """`run` in order, but its cards one after another go out together: each is posted in
    a thread of its own (the ticket's card where another report of it came in), and each
    notice after them waits for them all. A burst of reports of one ticket then does not
    wait card by card behind one slow post."""
    waves: list[Rows] = []
    for row in run:
        card = row.method == Notice.POST_CARD
        if card and waves and waves[-1][-1].method == Notice.POST_CARD:
            waves[-1].append(row)
        else:
            waves.append([row])
    return waves
