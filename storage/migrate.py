"""Schema migrations (Alembic), callable from the command line and from `serve`.

Checking that a schema is current loads no Alembic (half a second of a short command's
start): the database's revision is read from `alembic_version` with one query, and the
head from the migration files' `revision` lines; Alembic itself answers for a history
that reading does not follow, and runs every migration."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.db import create_engine, is_sqlite

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"
# `revision: str = "0004"` and `down_revision: str | None = "0003"` (or None).
_REVISION_LINE = re.compile(r'^(revision|down_revision)\b[^=\n]*=\s*(?:"([^"]+)"|None)\s*$', re.M)


class SchemaOutdated(Exception):
    """The database schema is behind the code (or unknown to it)."""


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply pending migrations. Blocking: call it outside the event loop (or via `to_thread`)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def make_revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the models (for developers)."""
    from alembic import command

    command.revision(alembic_config(url), message=message, autogenerate=True)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def head_from_files() -> str | None:
    """The head revision as the migration files name it: the one revision no other
    revises. None when a file says something this reading does not follow (a merge)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        lines = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if not lines.get("revision") or "down_revision" not in lines:
            return None
        revisions.add(lines["revision"])
        if lines["down_revision"]:
            revised.add(lines["down_revision"])
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


async def current_revision(url: str) -> str | None:
    """The database's schema revision; None for a database without one."""
    engine = create_engine(url, read_only=True)

    def read(connection: Connection) -> str | None:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        return " ".join(sorted(found)) or None  # several: branches, never at one head

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


async def ensure_current(url: str) -> None:
    """Raise SchemaOutdated, saying which command fixes it, unless the schema is at head."""
    current = await current_revision(url)
    head = head_from_files() or head_revision()
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
