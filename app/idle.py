"""Waiting until the product has finished what it was given: the listeners Bolt runs
after acking, the triage of stored messages and the Slack posts in the outbox. The demo
waits on it between steps; tests wait on it before looking at the result."""

from __future__ import annotations

import asyncio
from typing import Any

from app.runtime import Runtime
from storage.inbox import InboxRepository
from storage.outbox import OutboxRepository

_POLL_S = 0.05


class NotSettled(Exception):
    pass


async def settle(runtime: Runtime, timeout: float) -> None:
    """Return once no listener runs and nothing is queued; NotSettled after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        await asyncio.sleep(_POLL_S)
        listeners = [t for t in asyncio.all_tasks() if _is_bolt_listener(t)]
        await runtime.triage_worker.drain()
        await runtime.sender.drain()
        queued = await _queued(runtime)
        if not queued and not listeners:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise NotSettled(f"not settled: {queued} rows queued, listeners {listeners}")


async def _queued(runtime: Runtime) -> int:
    # Inbox first: on PostgreSQL each count sees the latest commits, so a triage that
    # commits between the two would otherwise hide its queued posts from both.
    async with runtime.database.reading() as session:
        queued = await InboxRepository(session).unfinished_count()
        return queued + await OutboxRepository(session).pending_count()


def _is_bolt_listener(task: asyncio.Task[Any]) -> bool:
    """Bolt runs listeners as tasks after the ack: those still running."""
    code = getattr(task.get_coro(), "cr_code", None)
    return not task.done() and code is not None and "slack_bolt" in code.co_filename
