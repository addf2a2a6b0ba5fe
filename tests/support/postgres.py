"""The PostgreSQL server the tests use, and scratch databases on it.

The server is at 127.0.0.1:5432 unless TEST_POSTGRES_URL says otherwise. Where none
answers, PostgreSQL tests skip saying why; in CI (`CI=true`) they fail instead, naming
the URL, so a broken service container cannot turn half the suite into silent skips.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy import text

from storage.db import Database
from storage.models import Base

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def asyncpg_url(database: str, admin_url: str = ADMIN_URL) -> str:
    """The SQLAlchemy URL of `database` on the server of `admin_url`."""
    base, _, _ = admin_url.rpartition("/")
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{database}"


async def admin(sql: str, admin_url: str = ADMIN_URL) -> None:
    """Run one statement on the admin database (CREATE/DROP DATABASE, probes)."""
    conn = await asyncpg.connect(admin_url, timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_unavailable(admin_url: str = ADMIN_URL) -> str | None:
    """Why the server at `admin_url` cannot be used, or None when it answers."""
    try:
        asyncio.run(admin("SELECT 1", admin_url))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL not reachable at {admin_url}: {exc}"
    return None


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_postgres(admin_url: str = ADMIN_URL) -> None:
    """Skip the calling test or fixture when the server does not answer; fail it in CI."""
    reason = postgres_unavailable(admin_url)
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new, empty database of the caller's own (its SQLAlchemy URL), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield asyncpg_url(name)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def truncate_postgres(database: Database) -> None:
    """Empty every table and restart the ticket numbers: a fresh database, quickly."""
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name != "counters")
    async with database.unit_of_work() as session:
        await session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await session.execute(text("UPDATE counters SET value = 0"))
