"""A database out of reach costs a message no attempt: which real failures count as an
outage (SQLite's lock held past the busy timeout, a PostgreSQL connection killed), which do
not (a missing table), and a message put back after one keeps its attempts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from bot.intake.relay_inbox import RELAY_KIND
from standin.slack_api import SlackStub
from storage.db import Database
from storage.inbox import InboxRepository
from storage.outages import is_outage
from tests.intake.relay_support import T1, inbox_row
from tests.support.app_harness import harness_settings, open_harness
from tests.support.postgres import admin
from tests.support.relay import customer_says
from tests.support.workers import live_presence


async def test_sqlite_locked_past_the_busy_timeout_is_an_outage(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 0.05})
    try:
        with pytest.raises(DBAPIError) as locked:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (1)"))
        assert is_outage(locked.value), locked.value
        with pytest.raises(DBAPIError) as missing:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT * FROM no_such_table"))
        assert not is_outage(missing.value), missing.value  # the work is wrong: it counts
    finally:
        holder.close()
        await engine.dispose()


async def test_a_killed_postgres_connection_is_an_outage(postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        async with database.engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await admin(f"SELECT pg_terminate_backend({pid})")
            with pytest.raises(DBAPIError) as dropped:
                await conn.execute(text("SELECT 1"))
        assert is_outage(dropped.value), dropped.value
    finally:
        await database.dispose()
    assert not is_outage(ValueError("bad relay metadata"))


async def test_a_message_put_back_after_an_outage_keeps_its_attempts(
    slack_stub: SlackStub, db_url: str
) -> None:
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        await h.post(customer_says("toilet is overflowing in the bathroom", T1))
        database = h.runtime.database
        worker = await live_presence(database)
        for _ in range(8):  # more outages than a message has attempts
            async with database.unit_of_work() as session:
                inbox = InboxRepository(session)
                [row] = await inbox.claim_due(RELAY_KIND, 10, worker.owner)
                assert row.attempts == 1
                inbox.retry_uncounted(row, "OperationalError: database is locked")
        row = await inbox_row(h, T1)
        assert (row.status, row.attempts) == ("pending", 0)
        assert await h.runtime.triage_worker.drain() == 1
        row = await inbox_row(h, T1)
        assert (row.status, row.attempts) == ("done", 1)
        assert len(await h.tickets()) == 1
    await worker.leave()
