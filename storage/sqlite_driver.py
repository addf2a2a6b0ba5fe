"""SQLAlchemy's aiosqlite driver, with each statement one trip to aiosqlite's thread.

aiosqlite runs every call on a sqlite3 connection in a thread of its own, and SQLAlchemy's
adapter makes four calls of a SELECT (open a cursor, execute, fetch, close) and three of
a write: each a hand-over to that thread and back through the event loop. A relay message
costs about thirty statements, so its triage and delivery spent ~130 hand-overs, each
waking a thread and taking the GIL twice: most of the main thread's time per message
under load (bench/analysis.md). Here a statement opens, executes, fetches and closes its
cursor in one call, in the thread; and a connection going back to the pool is rolled back
only when a transaction is still open (after a commit SQLAlchemy rolls back again).

Inside a write transaction on a file (`inline_writes`) a statement does not even make that
trip: it runs on the event loop's thread. Once BEGIN IMMEDIATE (still a trip: it may wait
for another process's lock) has taken SQLite's write lock, no statement of the transaction
waits for a lock (WAL: readers never block the writer), so each takes what SQLite takes,
tens of microseconds here. A trip costs a thread's wake-up, two GIL hand-overs and a wait
for the loop: under load triage's transactions held the write gate ~20 ms each for ~2 ms
of SQLite's work, and every ack waits for that gate anyway. Reads stay in the thread: a
long one would hold up the loop, where it holds up no writer in the thread.

It is used by passing an instance as `module=` to `create_async_engine` (SQLAlchemy's way
to give a dialect another DBAPI): the dialect, its SQL and its pooling stay SQLAlchemy's.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

#: What one statement leaves: its description, rows, rowcount and lastrowid.
Outcome = tuple[Any, list[Any], int, int | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """One statement, in aiosqlite's thread: executed, its rows read, its cursor closed."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that holds a statement's outcome; no sqlite3 cursor outlives the call."""

    __slots__ = ("_outcome",)

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # Not super().__init__: that opens an aiosqlite cursor, a trip of its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized: Any = {}
        self._rows = deque()
        self._outcome: Outcome = (None, [], -1, None)

    @property
    def description(self) -> Any:
        return self._outcome[0]

    @property
    def rowcount(self) -> int:
        return self._outcome[2]

    @property
    def lastrowid(self) -> Any:
        return self._outcome[3]

    async def _async_soft_close(self) -> None:
        return None  # the rows are read already and the sqlite3 cursor closed

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._one_trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._one_trip(operation, seq_of_parameters, many=True)

    async def _one_trip(self, operation: Any, parameters: Any, *, many: bool) -> None:
        aio = self._connection
        adapt = self._adapt_connection
        if isinstance(adapt, OneHopConnection) and (raw := adapt.inline_connection()) is not None:
            self._outcome = _run(raw, operation, parameters, many)
            self._rows = deque(self._outcome[1])
            return
        async with self._adapt_connection._execute_mutex:
            self._outcome = await aio._execute(_run, aio._conn, operation, parameters, many)
        self._rows = deque(self._outcome[1])


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_inline_writes",)
    _cursor_cls = OneHopCursor

    def __init__(self, dbapi: Any, connection: Any, *, inline_writes: bool) -> None:
        super().__init__(dbapi, connection)
        self._inline_writes = inline_writes

    def inline_connection(self) -> sqlite3.Connection | None:
        """The sqlite3 connection, when its statements run on the caller's thread: in a
        write transaction of an engine with `inline_writes`."""
        raw: sqlite3.Connection | None = self._connection._connection
        return raw if self._inline_writes and raw is not None and raw.in_transaction else None

    def commit(self) -> None:
        if (raw := self.inline_connection()) is not None:
            raw.commit()
        else:
            super().commit()

    def rollback(self) -> None:
        # The pool rolls back every connection it takes back, even one just committed:
        # with no transaction open there is nothing to undo, and no trip to make.
        aio = self._connection
        if aio._connection is not None and not aio._connection.in_transaction:
            return
        super().rollback()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self, aiosqlite: Any, sqlite: Any, *, inline_writes: bool) -> None:
        super().__init__(aiosqlite, sqlite)
        self.inline_writes = inline_writes

    def connect(self, *args: Any, **kwargs: Any) -> OneHopConnection:
        if self.inline_writes:
            # Used by the loop's thread in a transaction, by aiosqlite's between: never both
            # at once, as every trip is awaited before the next statement.
            kwargs["check_same_thread"] = False
        adapted = super().connect(*args, **kwargs)
        return OneHopConnection(self, adapted._connection, inline_writes=self.inline_writes)


def one_hop_dbapi(*, inline_writes: bool = False) -> OneHopDBAPI:
    import aiosqlite

    return OneHopDBAPI(aiosqlite, sqlite3, inline_writes=inline_writes)
