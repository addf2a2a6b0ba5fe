"""Schema migrations (Alembic), callable from the command line and from `serve`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.db import create_engine, is_sqlite

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaOutdated(Exception):
    """The database schema is behind the code (or unknown to it)."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply pending migrations. Blocking: call it outside the event loop (or via `to_thread`)."""
    command.upgrade(alembic_config(url), revision)


def make_revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the models (for developers)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


async def current_revision(url: str) -> str | None:
    engine = create_engine(url)

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


async def ensure_current(url: str) -> None:
    """Raise SchemaOutdated, saying which command fixes it, unless the schema is at head."""
    current = await current_revision(url)
    head = head_revision()
    if current != head:
        found = "is empty" if current is None else f"is at schema revision {current}"
        raise SchemaOutdated(
            f"The database {found}, but this version of ClubOS Tickets needs revision {head}. "
            "Run `clubos-tickets db upgrade` (or start `serve` without --no-migrate)."
        )


def is_missing_sqlite_file(url: str) -> bool:
    """Whether `url` names an SQLite file that does not exist: opening it would create it."""
    if not is_sqlite(url):
        return False
    path = make_url(url).database
    return not path or path == ":memory:" or not Path(path).is_file()


async def unusable_reason(url: str) -> str | None:
    """Why the database at `url` cannot be read as it is (unreachable, or its schema not
    at head), or None when it can."""
    try:
        await ensure_current(url)
    except (SchemaOutdated, SQLAlchemyError, OSError) as exc:
        return str(exc)
    return None


async def upgrade_async(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
