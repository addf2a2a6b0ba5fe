"""Several `db upgrade` processes on one empty PostgreSQL database at once: the migration
lock makes them take turns, so the schema is created and seeded once."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import time
from pathlib import Path

import asyncpg

from storage.migrate import MIGRATIONS_DIR, head_revision
from tests.storage.database_checks import assert_at_head, counters, with_connection
from tests.support.cli import CLI, cli_env

#: How many upgrades of the migration lock are queued, not granted, in this database.
_QUEUED_ON_LOCK = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
    "AND objid = $1 AND database = "
    "(SELECT oid FROM pg_database WHERE datname = current_database())"
)


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


def _start_upgrade(url: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, "db", "upgrade"],
        cwd=cwd,
        env=cli_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _wait_until_all_queue(
    holder: asyncpg.Connection, lock_id: int, procs: list[subprocess.Popen[str]]
) -> None:
    """Until every process waits for the lock `holder` holds (none may finish first)."""
    deadline = time.monotonic() + 30
    waiting = 0
    while waiting < len(procs):
        waiting = await holder.fetchval(_QUEUED_ON_LOCK, lock_id & 0xFFFFFFFF)
        for proc in procs:
            if proc.poll() is not None:
                raise AssertionError(
                    "db upgrade finished without waiting for the migration lock:\n"
                    + proc.communicate()[1]
                )
        assert time.monotonic() < deadline, f"only {waiting} of 3 processes reached the lock"
        await asyncio.sleep(0.05)


def _kill_running(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


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
        procs = [_start_upgrade(empty_postgres_url, tmp_path) for _ in range(3)]
        await _wait_until_all_queue(holder, lock_id, procs)
        await holder.execute("SELECT pg_advisory_unlock($1)", lock_id)

        for proc in procs:
            out, err = await asyncio.to_thread(proc.communicate, timeout=60)
            assert proc.returncode == 0, f"db upgrade failed:\n{out}\n{err}"
    finally:
        _kill_running(procs)
        await holder.close()

    await assert_at_head(empty_postgres_url)
    assert await counters(empty_postgres_url) == [("ticket", 0)]  # seeded exactly once
    versions = await with_connection(
        empty_postgres_url,
        lambda conn: conn.exec_driver_sql("SELECT version_num FROM alembic_version").all(),
    )
    assert [tuple(v) for v in versions] == [(head_revision(),)]
