"""Tickets by the thousand: the import's inserts (COPY on PostgreSQL, executemany on
SQLite; no RETURNING, no ORM object or per-row parameter handling), and the export's
pages, read by ascending number so a page never holds more than its size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Dialect, Table, select

from storage.binding import column_binder
from storage.db import Database, UnitOfWork
from storage.models import Base, TicketEventRow, TicketRow, TicketThreadRow
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
    """Many rows of one table, in the session's transaction, past SQLAlchemy's per-row
    parameter handling (a third of an import's time): each value bound as its column's
    type binds it for this database, then PostgreSQL takes the rows by COPY and SQLite by
    one INSERT executed for each."""
    if not rows:
        return
    table = _table(model)
    connection = await session.connection()
    columns = list(rows[0])
    records = _bound_records(connection.dialect, table, columns, rows)
    driver: Any = (await connection.get_raw_connection()).driver_connection
    if connection.dialect.name == "postgresql":
        await driver.copy_records_to_table(table.name, records=records, columns=columns)
        return
    names, marks = ", ".join(columns), ", ".join("?" * len(columns))
    await driver.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", records)


def _bound_records(
    dialect: Dialect, table: Table, columns: list[str], rows: list[dict[str, Any]]
) -> list[list[Any]]:
    """The rows' values as the columns' types bind them on `dialect` (UTCDateTime: naive
    UTC, and on SQLite its text; JSON: its text), only those that need it converted."""
    converted = [
        (index, bind)
        for index, name in enumerate(columns)
        if (bind := column_binder(dialect, table.c[name].type))
    ]
    records = []
    for row in rows:
        values = list(row.values())
        for index, bind in converted:
            values[index] = bind(values[index])
        records.append(values)
    return records


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
