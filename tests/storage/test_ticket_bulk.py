"""The import's own binding of UTC timestamps on SQLite makes the text SQLAlchemy's
UTCDateTime makes, so imported tickets sort and compare with every other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from storage.binding import sqlite_utc_text
from storage.models import UTCDateTime

MOMENTS = [
    datetime(2023, 1, 1, tzinfo=UTC),
    datetime(2026, 12, 4, 2, 59, 7, 123456, tzinfo=UTC),
    datetime(2026, 3, 8, 23, 30, 0, 5, tzinfo=timezone(timedelta(hours=-4))),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    None,
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_sqlite_timestamps_are_bound_as_sqlalchemy_binds_them(moment: datetime | None) -> None:
    dialect = sqlite.dialect()
    bind = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert bind is not None
    assert sqlite_utc_text(moment) == bind(moment)
