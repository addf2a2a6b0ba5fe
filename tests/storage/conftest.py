"""Empty databases for the migration tests, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import require_postgres, scratch_database


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A brand-new, empty PostgreSQL database of this test's own, dropped afterwards."""
    require_postgres()
    with scratch_database("clubos_mig") as url:
        yield url


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
