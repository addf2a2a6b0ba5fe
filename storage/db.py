"""Engines and units of work: one session, one transaction, per unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable, Insert

from storage.one_hop import OneHopInserts
from storage.sqlite_driver import one_hop_dbapi
from storage.write_gate import WriteGate

SQLITE_BUSY_TIMEOUT_S = 30
# Connections kept open: the sender delivers several threads side by side beside triage and
# the acks, and a connection opened past the kept ones is closed when given back; each new
# one is a thread, a file opened, its pragmas and a cold cache (SQLAlchemy keeps five).
# Readers have a pool of their own (`Database`).
SQLITE_POOL = {"pool_size": 16, "max_overflow": 16}

# What features hold while they work: one session in one transaction. Features name this
# type, never SQLAlchemy's, so every SQLAlchemy import stays in storage/.
UnitOfWork = AsyncSession


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_sqlite_file(url: str) -> bool:
    """An SQLite database in a file (not in memory, which is one database a connection)."""
    return is_sqlite(url) and make_url(url).database not in (None, "", ":memory:")


def create_engine(
    url: str, *, foreign_keys: bool = True, read_only: bool = False, **kwargs: Any
) -> AsyncEngine:
    """An async engine; on SQLite with WAL, foreign keys and write-locking transactions, or
    (`read_only`) connections that cannot write and transactions that take no lock.

    Migrations pass `foreign_keys=False`: SQLite rebuilds a table to alter it, and dropping
    the old copy with foreign keys on would cascade-delete every row that refers to it.
    """
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_async_engine(url, **_sqlite_options(url, read_only) | kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so `begin` below decides the mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        if is_sqlite_file(url):
            cursor.execute("PRAGMA journal_mode=WAL")
            # A commit then writes the WAL without waiting for its fsync (the checkpoint
            # syncs): it survives a killed process, not a power cut (docs/reliability.md).
            cursor.execute("PRAGMA synchronous=NORMAL")
        if read_only:
            # A write slipped into a deferred transaction would fail only when another
            # writer holds the lock, never in a test: here it fails at once, always.
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        # A deferred transaction that reads and then writes can fail with "database is
        # locked" at once when another writer got there first; IMMEDIATE waits instead.
        # A reader needs no lock and waits for no writer (WAL readers see a snapshot).
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _sqlite_options(url: str, read_only: bool) -> dict[str, Any]:
    """The driver with one trip to its thread a statement (storage.sqlite_driver), none in
    a write transaction on a file; on a file the pool that keeps SQLITE_POOL connections."""
    inline_writes = is_sqlite_file(url) and not read_only
    options: dict[str, Any] = {
        "module": one_hop_dbapi(inline_writes=inline_writes),
        "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S},
    }
    return options | SQLITE_POOL if is_sqlite_file(url) else options


def on_commit(session: UnitOfWork, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction has committed (never on rollback)."""
    session.info.setdefault("on_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    for callback in session.info.pop("on_commit", []):
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_on_commit(session: Session) -> None:
    session.info.pop("on_commit", None)


async def insert_once(
    session: UnitOfWork, table: type[Any], key: Sequence[str], values: dict[str, Any]
) -> bool:
    """Insert a row unless its unique `key` is taken; True when this caller inserted it.

    On PostgreSQL a concurrent insert of the same key waits for the first one's
    transaction and then finds the key taken; SQLite serialises writers anyway.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement: Executable = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=key)
        .returning(literal_column("1"))
    )
    return (await session.scalar(statement)) is not None


class Database:
    """Owns the engine; hands out units of work."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite writers queue in the process rather than in SQLite's sleeping busy handler.
        self._write_gate = WriteGate() if is_sqlite(url) else None
        self._one_hop: dict[Insert, OneHopInserts] = {}
        self.read_engine = self._readers(url, engine_kwargs)
        self._reads = async_sessionmaker(self.read_engine, expire_on_commit=False)

    def _readers(self, url: str, engine_kwargs: dict[str, Any]) -> AsyncEngine:
        """Where reads run. On an SQLite file, connections of their own that cannot write
        and begin deferred: they take no write lock, so an ack's insert never queues behind
        a read, nor a read behind a writer; and no connection switches between reading and
        writing (a pragma each time). In memory each connection is a database of its own:
        reads share the writers'. PostgreSQL readers lock nothing anyway; READ ONLY there
        refuses a stray write."""
        if is_sqlite_file(url):
            return create_engine(url, read_only=True, **engine_kwargs)
        if is_sqlite(url):
            return self.engine
        return self.engine.execution_options(postgresql_readonly=True)

    @asynccontextmanager
    async def unit_of_work(
        self, *, urgent: bool = False, after_acks: bool = False
    ) -> AsyncIterator[UnitOfWork]:
        """A session in a transaction: committed on success, rolled back on any error.
        `urgent` (a relay ack's insert) goes before the other writers waiting on SQLite;
        `after_acks` (triage, the sender) takes turns behind the acks while they flow
        (storage/write_gate.py)."""
        if self._write_gate is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        async with (
            self._write_gate.held(urgent=urgent, after_acks=after_acks),
            self._sessions() as session,
            session.begin(),
        ):
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work that only reads: on SQLite it takes no write lock (BEGIN, not
        BEGIN IMMEDIATE). Never write in it: a deferred transaction that writes may fail at
        once with "database is locked" where `unit_of_work` would wait its turn."""
        async with self._reads() as session, session.begin():
            yield session

    def one_hop_inserts(self, statement: Insert) -> OneHopInserts | None:
        """`statement` (an INSERT ... RETURNING, run as an urgent unit of work of its own)
        on a connection kept for it, in one hop; None unless the database is a SQLite
        file, where the hops to aiosqlite's thread are most of an insert's time."""
        path = make_url(self.url).database
        if self._write_gate is None or path is None or not is_sqlite_file(self.url):
            return None
        if statement not in self._one_hop:
            self._one_hop[statement] = OneHopInserts(
                path, statement, self._write_gate, SQLITE_BUSY_TIMEOUT_S
            )
        return self._one_hop[statement]

    async def ping(self) -> None:
        async with self.read_engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def unreachable_reason(self) -> str | None:
        """None when the database answers; else why not, as the error's type name (for a
        health check: SQLAlchemy's errors, and the drivers' socket errors it lets through,
        such as asyncpg's refused connection)."""
        try:
            await self.ping()
        except (SQLAlchemyError, OSError) as exc:
            return type(exc).__name__
        return None

    async def dispose(self) -> None:
        for inserts in self._one_hop.values():
            await inserts.close()
        self._one_hop.clear()
        await self.engine.dispose()
        if self.read_engine.sync_engine is not self.engine.sync_engine:
            await self.read_engine.dispose()
