"""A background worker that drains its queue when woken (after a commit that queued
work) or at the latest every few seconds (work left by another process or a crash)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

POLL_SECONDS = 2.0


class DrainLoop:
    name = "worker"

    def __init__(self) -> None:
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def drain(self) -> int:
        raise NotImplementedError

    async def run(self) -> None:
        log = logging.getLogger(f"clubos.{self.name}")
        while True:
            try:
                await self.drain()
            except Exception:
                log.exception(f"{self.name}.drain_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=POLL_SECONDS)
            self._wake.clear()
