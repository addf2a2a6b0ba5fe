"""Inserts on a SQLite file in one hop to a connection of their own: the relay ack's.

Through the async session an insert is several trips to aiosqlite's thread (BEGIN
IMMEDIATE, INSERT ... RETURNING, COMMIT), each a wake-up of that thread and a wait for the
loop to be woken back; the ack spent about 2.5 ms on them. Here one call in one thread does
all three, and the inserts that arrive while one is being written share the next
transaction, so a burst of acks commits together. The inserts queue with the process's
other writers at its write gate, ahead of them. Durability is the engine's: WAL with
synchronous=NORMAL, as on the engine's connections (storage/db.py).
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.dialects import sqlite
from sqlalchemy.sql import Insert

from storage.write_gate import WriteGate

Bound = list[Any]  # one row's values, in the statement's parameter order


class OneHopInserts:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING, batched per transaction: for each row,
    True when it was new."""

    def __init__(self, path: str, statement: Insert, gate: WriteGate, busy_s: float) -> None:
        compiled = statement.compile(dialect=sqlite.dialect())
        self._sql = compiled.string
        self._order = list(compiled.positiontup or ())
        self._path, self._gate, self._busy_s = path, gate, busy_s
        # One thread owns the connection: sqlite3 connections stay in their thread.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="one-hop-inserts")
        self._connection: sqlite3.Connection | None = None
        self._waiting: list[tuple[Bound, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, bound: dict[str, Any]) -> bool:
        """Insert one row (its values already bound for SQLite); True when it was new."""
        turn: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(([bound[name] for name in self._order], turn))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="one-hop-inserts")
        return await turn

    async def _write_waiting(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with self._gate.held(urgent=True):
                    inserted = await loop.run_in_executor(
                        self._thread, self._insert, [row for row, _ in batch]
                    )
            except BaseException as exc:
                for _, turn in batch:
                    if not turn.done():
                        turn.set_exception(exc if isinstance(exc, Exception) else _stopped())
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, turn), new in zip(batch, inserted, strict=True):
                if not turn.done():  # its request may have given up; the row stands
                    turn.set_result(new)

    def _insert(self, rows: list[Bound]) -> list[bool]:
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE")
        try:
            inserted = [connection.execute(self._sql, row).fetchone() is not None for row in rows]
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return inserted

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(
                self._path, timeout=self._busy_s, isolation_level=None, check_same_thread=True
            )
            # As the engine's connections (storage/db.py): WAL is the file's, and set
            # already unless this connection came first; synchronous is per connection.
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._connection = connection
        return self._connection

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._disconnect)
        self._thread.shutdown(wait=False)

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _stopped() -> Exception:
    return RuntimeError("the one-hop writer was stopped before this insert was written")
