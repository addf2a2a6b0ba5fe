"""Migration 0009's trigram indexes (storage/text_search.py) on PostgreSQL: installed with
`pg_trgm` where the role may, and where it may not, the upgrade still ends at head with
no drift, without them. (That the text filter's plan can use them: test_query_plans.py.)"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from storage.migrate import alembic_config
from storage.text_search import TRIGRAM_INDEXES
from tests.storage.database_checks import assert_at_head, with_connection
from tests.support.postgres import admin


def trigram_indexes(conn: Connection) -> set[str]:
    found = conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'tickets'"))
    return set(found.scalars()) & set(TRIGRAM_INDEXES)


def admin_of(url: str) -> str:
    """The asyncpg DSN of the database at `url`, as the admin user."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def limited_url(empty_postgres_url: str) -> Iterator[str]:
    """The empty database as a role that may create tables in it, not extensions."""
    role = f"clubos_limited_{uuid.uuid4().hex[:8]}"
    database = admin_of(empty_postgres_url)
    asyncio.run(admin(f"CREATE ROLE {role} LOGIN"))
    asyncio.run(admin(f"GRANT USAGE, CREATE ON SCHEMA public TO {role}", database))
    try:
        yield make_url(empty_postgres_url).set(username=role).render_as_string(False)
    finally:
        asyncio.run(admin(f"DROP OWNED BY {role}", database))
        asyncio.run(admin(f"DROP ROLE {role}"))


async def test_db_upgrade_installs_the_trigram_indexes(empty_postgres_url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(empty_postgres_url), "head")
    assert await with_connection(empty_postgres_url, trigram_indexes) == set(TRIGRAM_INDEXES)
    await assert_at_head(empty_postgres_url)


async def test_a_role_that_may_not_install_pg_trgm_upgrades_without_them(
    limited_url: str,
) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(limited_url), "head")
    assert await with_connection(limited_url, trigram_indexes) == set()
    await assert_at_head(limited_url)
