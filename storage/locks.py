"""Locks held until the transaction ends, for decisions that read, then write, and must
not interleave: two transactions that each see "no open ticket here yet" would each open
one. On PostgreSQL a transaction-level advisory lock (released at commit or rollback, in
any process on the database); on SQLite every writing transaction is serialised already
(`BEGIN IMMEDIATE`, behind the write gate), so there is nothing more to hold."""

from __future__ import annotations

import zlib

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def hold_until_commit(session: AsyncSession, name: str) -> None:
    """Wait for, then hold, the lock called `name` until `session`'s transaction ends."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(select(func.pg_advisory_xact_lock(zlib.crc32(name.encode()))))


async def hold_new_tickets_at(session: AsyncSession, location: str) -> None:
    """Whoever decides whether a report or an event at `location` opens a ticket (the relay's
    triage, monitoring) holds this first, so that one sees the ticket the other opened."""
    await hold_until_commit(session, f"clubos:new-tickets:{location.casefold()}")
