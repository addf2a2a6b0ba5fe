"""Alembic migrations: `db upgrade` on empty databases, no drift from the models,
`serve --no-migrate` refusing an outdated schema (concurrent upgrades on PostgreSQL:
test_concurrent_upgrades.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command

from storage.migrate import (
    SchemaOutdated,
    alembic_config,
    current_revision,
    ensure_current,
    head_from_files,
    head_revision,
)
from tests.storage.database_checks import (
    FIX_COMMAND,
    assert_at_head,
    counters,
    create_ticket,
    drift,
    table_names,
    ticket_count,
    upgrade_cli,
    with_connection,
)
from tests.support.cli import run_cli

# --- db upgrade --------------------------------------------------------------------------


async def test_db_upgrade_on_empty_database(empty_url: str, tmp_path: Path) -> None:
    assert await with_connection(empty_url, table_names) == set()
    assert await current_revision(empty_url) is None

    await asyncio.to_thread(upgrade_cli, empty_url, tmp_path)

    await assert_at_head(empty_url)
    assert await counters(empty_url) == [("ticket", 0)]
    assert await create_ticket(empty_url) == "T-1"


async def test_db_upgrade_twice_is_a_no_op(empty_url: str, tmp_path: Path) -> None:
    await asyncio.to_thread(upgrade_cli, empty_url, tmp_path)
    assert await create_ticket(empty_url) == "T-1"

    await asyncio.to_thread(upgrade_cli, empty_url, tmp_path)

    await assert_at_head(empty_url)
    assert await ticket_count(empty_url) == 1
    assert await counters(empty_url) == [("ticket", 1)]  # not re-seeded
    assert await create_ticket(empty_url) == "T-2"


async def test_models_match_migrations(db_url: str) -> None:
    """No drift: autogenerate finds nothing to add, drop or change on a migrated database."""
    assert await with_connection(db_url, drift) == []
    assert await current_revision(db_url) == head_revision()


async def test_downgrade_to_base_and_upgrade_again(empty_url: str) -> None:
    config = alembic_config(empty_url)
    await asyncio.to_thread(command.upgrade, config, "head")
    await create_ticket(empty_url)

    await asyncio.to_thread(command.downgrade, config, "base")
    assert await with_connection(empty_url, table_names) <= {"alembic_version"}
    assert await current_revision(empty_url) is None
    with pytest.raises(SchemaOutdated, match=FIX_COMMAND):
        await ensure_current(empty_url)

    await asyncio.to_thread(command.upgrade, config, "head")
    await assert_at_head(empty_url)
    assert await counters(empty_url) == [("ticket", 0)]
    assert await ticket_count(empty_url) == 0


# --- refusing an outdated schema -----------------------------------------------------------


async def test_ensure_current_names_the_fix_on_an_empty_database(empty_url: str) -> None:
    with pytest.raises(SchemaOutdated, match=FIX_COMMAND) as info:
        await ensure_current(empty_url)
    assert head_revision() in str(info.value)


async def test_ensure_current_accepts_a_migrated_database(db_url: str) -> None:
    await ensure_current(db_url)


def test_serve_no_migrate_refuses_an_empty_database(empty_sqlite_url: str, tmp_path: Path) -> None:
    result = run_cli(
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
    assert asyncio.run(with_connection(empty_sqlite_url, table_names)) == set()


def test_the_head_read_from_the_files_is_alembics() -> None:
    # The schema check reads the head without Alembic; a migration added in a shape that
    # reading misses must not make it name another head.
    assert head_from_files() == head_revision()
