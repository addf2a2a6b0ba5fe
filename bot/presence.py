"""This process as a worker: who it is, its heartbeat, and the reaping of workers that are
gone, so that the inbox and outbox rows they held are taken up at once.

A worker is gone when its heartbeat is older than `STALE_AFTER` (a host that vanished),
or, on the same host, at once: its process no longer runs (or is a zombie), its pid now
belongs to a process started at another time, or its pid is this process's own and the
id is none this process started (a restarted container that is pid 1 again)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import psutil

from storage.db import Database
from storage.models import WorkerRow
from storage.workers import Worker, WorkerRepository

log = logging.getLogger("clubos.presence")

HEARTBEAT_SECONDS = 2.0
# Long enough for a loaded machine's slowest beat; only a worker on another host waits it.
STALE_AFTER = timedelta(seconds=15)
# Workers this process started (a test process may run several runtimes).
_STARTED_HERE: set[str] = set()


def _read(path: str) -> str:
    with contextlib.suppress(OSError):
        return Path(path).read_text().strip()
    return ""


def _link(path: str) -> str:
    with contextlib.suppress(OSError):
        return os.readlink(path)
    return ""


def host_identity() -> str:
    """The host as process ids see it: its name, its boot and its pid namespace (two
    containers of one name on one kernel are told apart; empty parts where unknown)."""
    boot = _read("/proc/sys/kernel/random/boot_id")
    return f"{socket.gethostname()}|{boot}|{_link('/proc/self/ns/pid')}"[:255]


def process_started(pid: int) -> float | None:
    with contextlib.suppress(psutil.Error):
        return float(psutil.Process(pid).create_time())
    return None


def this_process() -> Worker:
    """A new worker identity for this process."""
    worker_id = uuid.uuid4().hex
    _STARTED_HERE.add(worker_id)
    pid = os.getpid()
    return Worker(worker_id, host_identity(), pid, process_started(pid))


def is_gone(row: WorkerRow, me: Worker) -> bool:
    """Whether the worker of `row` surely no longer runs, judged from `me`'s host."""
    if row.host != me.host or row.id == me.id:
        return False
    if row.pid == me.pid:
        return row.id not in _STARTED_HERE
    try:
        process = psutil.Process(row.pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return True
        started = float(process.create_time())
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:  # there, but not ours to inspect: alive as far as we can tell
        return False
    return row.process_started is not None and abs(started - row.process_started) > 0.01


class Presence:
    """Keeps `worker` registered while the process runs, and reaps the gone."""

    def __init__(
        self, database: Database, worker: Worker, on_reaped: Callable[[], None] | None = None
    ) -> None:
        self.database = database
        self.worker = worker
        self.on_reaped = on_reaped
        self.registered = False

    @property
    def owner(self) -> str:
        return self.worker.id

    async def ensure_registered(self) -> None:
        """Register before the first claim (a drain may come before the first beat)."""
        if not self.registered:
            await self.beat()

    async def beat(self) -> list[str]:
        """Renew this worker's heartbeat and remove the gone; their ids."""
        async with self.database.unit_of_work() as session:
            workers = WorkerRepository(session)
            renewed = await workers.beat(self.worker)
            reaped = await workers.reap(STALE_AFTER, lambda row: is_gone(row, self.worker))
        if not renewed:
            # Later than the first time: this worker was taken for gone (a stalled loop).
            level = logging.WARNING if self.registered else logging.INFO
            log.log(level, "presence.registered", extra={"worker": self.worker.id})
            self.registered = True
        if reaped:
            log.warning("presence.reaped", extra={"workers": reaped})
            if self.on_reaped is not None:
                self.on_reaped()
        return reaped

    async def run(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self.beat()
            except Exception:
                log.exception("presence.beat_failed")

    async def leave(self) -> None:
        """Stop in good order: this worker's claims are free at once."""
        _STARTED_HERE.discard(self.worker.id)
        if not self.registered:
            return
        self.registered = False
        async with self.database.unit_of_work() as session:
            await WorkerRepository(session).leave(self.worker.id)
