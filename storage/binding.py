"""Values bound as the columns' own types bind them, for writes that skip SQLAlchemy's
per-row parameter handling: the import's executemany and COPY (storage/ticket_bulk.py)
and the relay ack's one-hop insert (storage/inbox.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.types import TypeEngine

from storage.models import UTCDateTime


def column_binder(dialect: Dialect, column_type: TypeEngine[Any]) -> Callable[[Any], Any] | None:
    """How a column's values are bound: its type's processor, but for the UTC timestamps
    on SQLite the same text made in one C call (SQLAlchemy's two steps were an eighth of
    an import; tests/storage/test_ticket_bulk.py holds them equal)."""
    if isinstance(column_type, UTCDateTime) and dialect.name == "sqlite":
        return sqlite_utc_text
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def sqlite_utc_text(value: datetime | None) -> str | None:
    """An aware timestamp as SQLite stores a UTCDateTime: naive UTC, "YYYY-MM-DD
    HH:MM:SS.ffffff"."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
