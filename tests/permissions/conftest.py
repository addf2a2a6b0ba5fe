"""The surface matrix on PostgreSQL is a long run (about 40 apps started, a minute and
more): it carries the `slow` marker; on SQLite it runs in the default suite. What it
checks of the database is the same on both (every table compared), and the use-case
matrix runs on both by default."""

from __future__ import annotations

import pytest

LONG_ON_POSTGRES = {"test_surface_matrix.py"}


@pytest.hookimpl(tryfirst=True)  # before the `-m 'not slow'` selection reads the markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.path.name in LONG_ON_POSTGRES and params.get("db_url") == "postgresql":
            item.add_marker(pytest.mark.slow)
