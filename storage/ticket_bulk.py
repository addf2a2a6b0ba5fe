"""Tickets by the thousand: the import's inserts (COPY on PostgreSQL; on SQLite Core
inserts of many rows per statement, "insertmanyvalues"; no RETURNING, no ORM object or
bulk bookkeeping per row), and the export's pages, read by ascending number so a page
never holds more than its size."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Table, insert, select
from sqlalchemy.types import TypeEngine

from storage.db import Database, UnitOfWork
from storage.models import Base, TicketEventRow, TicketRow, TicketThreadRow, UTCDateTime
from storage.tickets import EventFields, ThreadFields, TicketFields

BULK_TABLES = ("tickets", "ticket_threads", "ticket_events")  # what an import fills
NEW_VERSION = 1  # what the ORM gives a new row (version_id_col); core inserts say it


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


def _values(fields: object) -> dict[str, Any]:
    # vars(), not dataclasses.asdict: asdict deep-copies every value (each event's
    # `changes`), which cost more than the inserts themselves.
    return dict(vars(fields))


async def insert_tickets(session: UnitOfWork, tickets: Sequence[TicketFields]) -> None:
    await _insert(session, TicketRow, [{**_values(t), "version": NEW_VERSION} for t in tickets])


async def insert_threads(session: UnitOfWork, threads: Sequence[ThreadFields]) -> None:
    await _insert(session, TicketThreadRow, [_values(t) for t in threads])


async def insert_events(session: UnitOfWork, events: Sequence[EventFields]) -> None:
    await _insert(session, TicketEventRow, [_values(e) for e in events])


async def _insert(session: UnitOfWork, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Many rows of one table, in the session's transaction. PostgreSQL takes them by COPY
    (a third of the import's time at 100k, against multi-row INSERTs); SQLite by the
    multi-row INSERTs of insertmanyvalues."""
    if not rows:
        return
    table = _table(model)
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        await session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    records = _copy_records(table, columns, rows)
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        table.name, records=records, columns=columns
    )


def _copy_records(table: Table, columns: list[str], rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The rows as asyncpg's COPY takes them: each value as the column's bind processing
    would have sent it (UTCDateTime: naive UTC; JSON: its text); only those converted."""
    converted = [
        (index, convert)
        for index, name in enumerate(columns)
        if (convert := _copy_conversion(table.c[name].type)) is not None
    ]
    records = []
    for row in rows:
        values = list(row.values())
        for index, convert in converted:
            values[index] = convert(values[index])
        records.append(values)
    return records


def _copy_conversion(column_type: TypeEngine[Any]) -> Callable[[Any], Any] | None:
    if isinstance(column_type, UTCDateTime):
        return _naive_utc
    if isinstance(column_type, JSON):
        return json.dumps
    return None


def _naive_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None)


async def ticket_page(session: UnitOfWork, after_number: int, size: int) -> list[TicketRow]:
    """Up to `size` tickets numbered above `after_number`, ascending."""
    rows = await session.scalars(
        select(TicketRow)
        .where(TicketRow.number > after_number)
        .order_by(TicketRow.number)
        .limit(size)
    )
    return list(rows)


async def refresh_statistics(database: Database) -> None:
    """After many rows arrived: the planner's statistics of the tables an import fills.
    Without them SQLite guesses every index equally good and PostgreSQL plans for an empty
    table (a bitmap scan of every resolved ticket, sorted, for a page of twenty). On
    PostgreSQL VACUUM too: it marks the new pages all-visible, so a count by status is an
    index-only scan, not a visit of every matching row. VACUUM runs outside a transaction."""
    async with database.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in BULK_TABLES:
                await autocommit.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
            return
        for table in BULK_TABLES:
            await conn.exec_driver_sql(f"ANALYZE {table}")
        await conn.commit()
