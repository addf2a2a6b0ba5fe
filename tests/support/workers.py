"""Claim owners for tests: a worker of this process, one whose process has ended on this
host (as after a SIGKILL), and one on another host."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta

from bot.presence import Presence, host_identity, this_process
from storage.db import Database
from storage.models import WorkerRow, utcnow
from storage.workers import Worker, WorkerRepository


def ended_process() -> tuple[int, float]:
    """The pid and start time of a process that ran on this host and has ended."""
    import psutil

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    started = psutil.Process(proc.pid).create_time()
    proc.kill()
    proc.wait()
    return proc.pid, started


def gone_worker() -> Worker:
    pid, started = ended_process()
    return Worker(f"gone-{uuid.uuid4().hex}", host_identity(), pid, started)


def elsewhere_worker() -> Worker:
    """A worker on another host: only its heartbeat tells whether it runs."""
    return Worker(f"far-{uuid.uuid4().hex}", "another-host||", 4242, 1.0)


async def register(database: Database, *workers: Worker) -> None:
    async with database.unit_of_work() as session:
        for worker in workers:
            await WorkerRepository(session).beat(worker)


async def age_heartbeat(database: Database, worker: Worker, by: timedelta) -> None:
    async with database.unit_of_work() as session:
        row = await session.get(WorkerRow, worker.id)
        assert row is not None
        row.heartbeat_at = utcnow() - by


async def live_presence(database: Database) -> Presence:
    """A registered worker of this process (alive while the test runs)."""
    presence = Presence(database, this_process())
    await presence.beat()
    return presence
