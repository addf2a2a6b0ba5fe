"""Alembic migrations: `db upgrade` on empty databases, no drift from the models, safe
concurrent upgrades on PostgreSQL, `serve --no-migrate` refusing an outdated schema."""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection

from bot.tickets.domain import Category, Priority, Source
from bot.tickets.service import NewTicket, TicketService
from storage.db import Database
from storage.migrate import (
    MIGRATIONS_DIR,
    SchemaOutdated,
    alembic_config,
    current_revision,
    ensure_current,
    head_revision,
)
from storage.models import Base, Counter, TicketRow
from tests.conftest import ADMIN_URL, _admin, _asyncpg_url, _postgres_unavailable
from tests.support.paths import REPO

FIX_COMMAND = "clubos-tickets db upgrade"
MODEL_TABLES = set(Base.metadata.tables)
CLI = [sys.executable, "-c", "from app.cli import main; main()"]


def _cli_env(url: str) -> dict[str, str]:
    """The environment minus anything that would point the CLI elsewhere or at Slack."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SLACK_") and key not in {"DATABASE_URL", "CLUBOS_CONFIG"}
    }
    env["DATABASE_URL"] = url
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def _cli(url: str, *args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    # cwd is a scratch directory, so no .env or clubos.toml of the checkout is picked up.
    return subprocess.run(
        [*CLI, *args],
        cwd=cwd,
        env=_cli_env(url),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _upgrade_cli(url: str, cwd: Path) -> None:
    result = _cli(url, "db", "upgrade", cwd=cwd)
    assert result.returncode == 0, f"db upgrade failed:\n{result.stdout}\n{result.stderr}"
    assert head_revision() in result.stdout


async def _with_connection(url: str, fn: Any) -> Any:
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await database.dispose()


def _table_names(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _drift(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def _assert_at_head(url: str) -> None:
    assert await _with_connection(url, _table_names) == MODEL_TABLES | {"alembic_version"}
    assert await current_revision(url) == head_revision()
    assert await _with_connection(url, _drift) == []
    await ensure_current(url)  # does not raise


async def _counters(url: str) -> list[tuple[str, int]]:
    database = Database(url)
    try:
        async with database.unit_of_work() as session:
            rows = await session.execute(select(Counter.name, Counter.value))
            return [(name, value) for name, value in rows]
    finally:
        await database.dispose()


async def _create_ticket(url: str) -> str:
    database = Database(url)
    try:
        async with database.unit_of_work() as session:
            ticket = await TicketService(session).create(
                NewTicket(
                    title="Projector flickers",
                    category=Category.TECH,
                    priority=Priority.HIGH,
                    location="Bedford",
                    created_by="U0OP1",
                    submitted_by="U0OP1",
                    source=Source.MANUAL,
                )
            )
        return ticket.ticket_id
    finally:
        await database.dispose()


async def _ticket_count(url: str) -> int:
    database = Database(url)
    try:
        async with database.unit_of_work() as session:
            return int(await session.scalar(select(func.count()).select_from(TicketRow)) or 0)
    finally:
        await database.dispose()


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_admin() -> str:
    reason = _postgres_unavailable()
    if reason:
        pytest.skip(reason)
    return ADMIN_URL


@pytest.fixture
def empty_postgres_url(postgres_admin: str) -> Iterator[str]:
    """A brand-new, empty PostgreSQL database of this test's own, dropped afterwards."""
    name = f"clubos_mig_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _asyncpg_url(name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    path = tmp_path / "empty.db"
    path.touch()  # an existing, empty file: a database without any table
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest) -> str:
    name = "empty_sqlite_url" if request.param == "sqlite" else "empty_postgres_url"
    url: str = request.getfixturevalue(name)
    return url


# --- db upgrade --------------------------------------------------------------------------


async def test_db_upgrade_on_empty_database(empty_url: str, tmp_path: Path) -> None:
    assert await _with_connection(empty_url, _table_names) == set()
    assert await current_revision(empty_url) is None

    await asyncio.to_thread(_upgrade_cli, empty_url, tmp_path)

    await _assert_at_head(empty_url)
    assert await _counters(empty_url) == [("ticket", 0)]
    assert await _create_ticket(empty_url) == "T-1"


async def test_db_upgrade_twice_is_a_no_op(empty_url: str, tmp_path: Path) -> None:
    await asyncio.to_thread(_upgrade_cli, empty_url, tmp_path)
    assert await _create_ticket(empty_url) == "T-1"

    await asyncio.to_thread(_upgrade_cli, empty_url, tmp_path)

    await _assert_at_head(empty_url)
    assert await _ticket_count(empty_url) == 1
    assert await _counters(empty_url) == [("ticket", 1)]  # not re-seeded
    assert await _create_ticket(empty_url) == "T-2"


async def test_models_match_migrations(db_url: str) -> None:
    """No drift: autogenerate finds nothing to add, drop or change on a migrated database."""
    assert await _with_connection(db_url, _drift) == []
    assert await current_revision(db_url) == head_revision()


async def test_downgrade_to_base_and_upgrade_again(empty_url: str) -> None:
    config = alembic_config(empty_url)
    await asyncio.to_thread(command.upgrade, config, "head")
    await _create_ticket(empty_url)

    await asyncio.to_thread(command.downgrade, config, "base")
    assert await _with_connection(empty_url, _table_names) <= {"alembic_version"}
    assert await current_revision(empty_url) is None
    with pytest.raises(SchemaOutdated, match=FIX_COMMAND):
        await ensure_current(empty_url)

    await asyncio.to_thread(command.upgrade, config, "head")
    await _assert_at_head(empty_url)
    assert await _counters(empty_url) == [("ticket", 0)]
    assert await _ticket_count(empty_url) == 0


# --- concurrent upgrades on PostgreSQL -----------------------------------------------------


def _migration_lock_id() -> int:
    """MIGRATION_LOCK_ID from env.py (importing env.py would run it, so read it instead)."""
    tree = ast.parse((MIGRATIONS_DIR / "env.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "MIGRATION_LOCK_ID" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, int)
            return value
    raise AssertionError("storage/migrations/env.py defines no MIGRATION_LOCK_ID")


async def test_concurrent_db_upgrades_on_postgres(empty_postgres_url: str, tmp_path: Path) -> None:
    """Three processes upgrade one empty database at once: all succeed, the schema is
    created once. The test holds the migration lock until all three queue behind it, so
    they really contend instead of happening to run one after another."""
    lock_id = _migration_lock_id()
    plain_url = empty_postgres_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    holder = await asyncpg.connect(plain_url, timeout=5)
    procs: list[subprocess.Popen[str]] = []
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", lock_id)
        procs = [
            subprocess.Popen(
                [*CLI, "db", "upgrade"],
                cwd=tmp_path,
                env=_cli_env(empty_postgres_url),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        deadline = time.monotonic() + 30
        waiting = 0
        while waiting < len(procs):
            waiting = await holder.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND objid = $1 AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())",
                lock_id & 0xFFFFFFFF,
            )
            for proc in procs:
                if proc.poll() is not None:
                    raise AssertionError(
                        "db upgrade finished without waiting for the migration lock:\n"
                        + proc.communicate()[1]
                    )
            assert time.monotonic() < deadline, f"only {waiting} of 3 processes reached the lock"
            await asyncio.sleep(0.05)
        await holder.execute("SELECT pg_advisory_unlock($1)", lock_id)

        for proc in procs:
            out, err = await asyncio.to_thread(proc.communicate, timeout=60)
            assert proc.returncode == 0, f"db upgrade failed:\n{out}\n{err}"
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        await holder.close()

    await _assert_at_head(empty_postgres_url)
    assert await _counters(empty_postgres_url) == [("ticket", 0)]  # seeded exactly once
    versions = await _with_connection(
        empty_postgres_url,
        lambda conn: conn.exec_driver_sql("SELECT version_num FROM alembic_version").all(),
    )
    assert [tuple(v) for v in versions] == [(head_revision(),)]


# --- refusing an outdated schema -----------------------------------------------------------


async def test_ensure_current_names_the_fix_on_an_empty_database(empty_url: str) -> None:
    with pytest.raises(SchemaOutdated, match=FIX_COMMAND) as info:
        await ensure_current(empty_url)
    assert head_revision() in str(info.value)


async def test_ensure_current_accepts_a_migrated_database(db_url: str) -> None:
    await ensure_current(db_url)


def _server_importable() -> bool:
    try:
        import app.server  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _server_importable(), reason="app.server cannot be imported yet")
def test_serve_no_migrate_refuses_an_empty_database(empty_sqlite_url: str, tmp_path: Path) -> None:
    result = _cli(
        empty_sqlite_url,
        "serve",
        "--no-migrate",
        "--without-slack",
        "--port",
        "0",
        cwd=tmp_path,
        timeout=20,  # a server that started anyway would hang: fail then
    )
    assert result.returncode != 0, result.stdout + result.stderr
    assert FIX_COMMAND in result.stderr
    # It refused; it did not migrate.
    assert asyncio.run(_with_connection(empty_sqlite_url, _table_names)) == set()
