"""Tickets by the thousand: the import's inserts, many rows per statement (Core inserts
of the tables, "insertmanyvalues": no RETURNING, no ORM object or bulk bookkeeping per
row), and the export's pages, read by ascending number so a page never holds more than
its size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert, select

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
    if tickets:
        rows = [{**_values(t), "version": NEW_VERSION} for t in tickets]
        await session.execute(insert(_table(TicketRow)), rows)


async def insert_threads(session: UnitOfWork, threads: Sequence[ThreadFields]) -> None:
    if threads:
        await session.execute(insert(_table(TicketThreadRow)), [_values(t) for t in threads])


async def insert_events(session: UnitOfWork, events: Sequence[EventFields]) -> None:
    if events:
        await session.execute(insert(_table(TicketEventRow)), [_values(e) for e in events])


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
