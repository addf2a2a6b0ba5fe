"""Shared fixtures: a migrated database per test, on SQLite and on PostgreSQL.

`db` is parametrised over both backends. PostgreSQL tests use the server at
127.0.0.1:5432 (override with TEST_POSTGRES_URL) and skip, saying why, where none answers;
in CI (`CI=true`) they fail instead, naming the URL (see tests/support/postgres.py).
Each test run creates its own PostgreSQL database and drops it at the end.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.logs import correlation_id
from storage.db import Database
from storage.migrate import upgrade
from tests.support.postgres import require_postgres, scratch_database, truncate_postgres

pytest_plugins = [
    "tests.support.slack_stub_fixture",
    "tests.support.openai_stub",
    "tests.support.app_harness",
]


@pytest.fixture(autouse=True)
def _fresh_correlation_id() -> Iterator[None]:
    """A correlation id set by one test must not leak into the next one's log lines."""
    token = correlation_id.set(None)
    yield
    correlation_id.reset(token)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test run's own, dropped at the end."""
    require_postgres()
    with scratch_database("clubos_test") as url:
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "tickets.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_emptied(url))
    return url


async def _emptied(url: str) -> None:
    database = Database(url)
    try:
        await truncate_postgres(database)
    finally:
        await database.dispose()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()
