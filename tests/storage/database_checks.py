"""What the migration tests run and look at: `db upgrade` through the CLI, the tables,
the drift from the models, the revision, the counters and the tickets of a database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection

from bot.tickets.domain import Category, Priority, Source, TicketDraft
from bot.tickets.service import TicketService
from storage.db import Database
from storage.migrate import current_revision, ensure_current, head_revision
from storage.models import Base, Counter, TicketRow
from storage.text_search import in_model
from tests.support.cli import run_cli

#: What every refusal of an outdated schema tells the operator to run.
FIX_COMMAND = "clubos-tickets db upgrade"
MODEL_TABLES = set(Base.metadata.tables)


def upgrade_cli(url: str, cwd: Path) -> None:
    result = run_cli(url, "db", "upgrade", cwd=cwd)
    assert result.returncode == 0, f"db upgrade failed:\n{result.stdout}\n{result.stderr}"
    assert head_revision() in result.stdout


@asynccontextmanager
async def _opened(url: str) -> AsyncIterator[Database]:
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()


async def with_connection(url: str, fn: Any) -> Any:
    async with _opened(url) as database, database.engine.connect() as conn:
        return await conn.run_sync(fn)


def table_names(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def drift(conn: Connection) -> list[Any]:
    opts = {"compare_type": True, "include_name": in_model}
    context = MigrationContext.configure(conn, opts=opts)
    return list(compare_metadata(context, Base.metadata))


async def assert_at_head(url: str) -> None:
    assert await with_connection(url, table_names) == MODEL_TABLES | {"alembic_version"}
    assert await current_revision(url) == head_revision()
    assert await with_connection(url, drift) == []
    await ensure_current(url)  # does not raise


async def counters(url: str) -> list[tuple[str, int]]:
    async with _opened(url) as database, database.unit_of_work() as session:
        rows = await session.execute(select(Counter.name, Counter.value))
        return [(name, value) for name, value in rows]


async def create_ticket(url: str) -> str:
    async with _opened(url) as database, database.unit_of_work() as session:
        ticket = await TicketService(session).create(
            TicketDraft(
                title="Projector flickers",
                category=Category.TECH,
                priority=Priority.HIGH,
                location="Bedford",
                customer="U0OP1",
            ),
            actor="U0OP1",
            source=Source.MANUAL,
        )
    return ticket.ticket_id


async def ticket_count(url: str) -> int:
    async with _opened(url) as database, database.unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(TicketRow)) or 0)
