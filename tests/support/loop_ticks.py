"""Is the event loop free while something runs? Count its turns meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

TICK_S = 0.01


@dataclass
class Ticks:
    count: int = 0


@asynccontextmanager
async def loop_ticks() -> AsyncIterator[Ticks]:
    """A task that counts a tick every TICK_S while the block runs: a blocked loop counts
    none."""
    ticks = Ticks()

    async def tick() -> None:
        while True:
            await asyncio.sleep(TICK_S)
            ticks.count += 1

    ticker = asyncio.create_task(tick())
    try:
        yield ticks
    finally:
        ticker.cancel()
