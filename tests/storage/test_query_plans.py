"""The ticket filters' query plans on real databases after an import (issue 14): the
import leaves the planner its statistics, the case-blind location filter uses the index
on lower(location), and the status filter's count uses the index on status (on
PostgreSQL an index-only scan: the import's VACUUM marked the pages all-visible)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from bot.tickets.domain import Status, TicketFilter
from bot.tickets.home import ACTIVE, COUNTED
from bot.tickets.service import TicketService
from bot.tickets.transfer import import_tickets
from storage.db import Database
from storage.text_search import TRIGRAM_INDEXES
from tests.tickets.transfer_files import ticket_record, write_file

TICKETS = 3000
NO_SCANS = ("SET enable_seqscan = off", "SET enable_indexscan = off")
RARE = "Truro"  # one ticket in 300: fewer than a page, found by an index, not a scan


def _record(number: int) -> dict[str, Any]:
    # The newest 5% open, as in a club; the rest resolved or archived.
    status = "open" if number > TICKETS * 0.95 else ("resolved", "archived")[number % 2]
    location = RARE if number % 300 == 0 else ("Bedford", "Dartmouth", "Halifax")[number % 3]
    return ticket_record(number, status=status, location=location)


async def _imported(db_url: str, tmp_path: Path) -> None:
    records = [_record(n) for n in range(1, TICKETS + 1)]
    report = await import_tickets(db_url, write_file(tmp_path, records), progress=False)
    assert report.imported == TICKETS


@contextmanager
def _statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """The statements on the tickets table run inside the block, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "FROM tickets" in statement:
            seen.append((statement, params))

    event.listen(database.read_engine.sync_engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(database.read_engine.sync_engine, "before_cursor_execute", keep)


async def _plans(database: Database, flt: TicketFilter, *settings: str) -> list[str]:
    """The plan of each statement a listing and a count by `flt` run, as one text each
    (planned after `settings`, SET statements)."""
    with _statements(database) as seen:
        async with database.reading() as session:
            await TicketService(session).list(flt)
            await TicketService(session).count(flt)
            await TicketService(session).count_by_status(flt)
    sqlite = database.engine.dialect.name == "sqlite"
    plans = []
    async with database.engine.connect() as conn:
        for setting in settings:
            await conn.exec_driver_sql(setting)
        for statement, params in seen:
            explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            rows = await conn.exec_driver_sql(explain + statement, params)
            plans.append("\n".join(" ".join(str(v) for v in row) for row in rows))
    assert len(plans) == 3
    return plans


async def test_import_leaves_the_planner_statistics(db_url: str, tmp_path: Path) -> None:
    database = Database(db_url)
    try:
        sqlite = database.engine.dialect.name == "sqlite"
        async with database.engine.connect() as conn:
            started = None if sqlite else await conn.scalar(text("SELECT clock_timestamp()"))
        await _imported(db_url, tmp_path)
        async with database.engine.connect() as conn:
            if sqlite:
                stats = await conn.execute(text("SELECT idx FROM sqlite_stat1 WHERE tbl='tickets'"))
                assert {"ix_tickets_status", "ix_tickets_location_lower"} <= set(stats.scalars())
            else:
                done = await conn.execute(
                    text(
                        "SELECT last_analyze, last_vacuum FROM pg_stat_user_tables"
                        " WHERE relname = 'tickets'"
                    )
                )
                analyzed, vacuumed = done.one()
                assert analyzed >= started and vacuumed >= started
                columns = await conn.scalar(
                    text("SELECT count(*) FROM pg_stats WHERE tablename = 'tickets'")
                )
                assert columns > 0
    finally:
        await database.dispose()


async def test_the_location_filter_uses_the_lower_location_index(
    db_url: str, tmp_path: Path
) -> None:
    await _imported(db_url, tmp_path)
    database = Database(db_url)
    try:
        for place in (RARE.upper(), "Nowhere"):
            # The listing and its count (a count by status is the App Home's, by status).
            plans = await _plans(database, TicketFilter(locations=[place], limit=21))
            for plan in plans[:2]:
                assert "ix_tickets_location_lower" in plan, plan
    finally:
        await database.dispose()


async def test_the_status_filter_counts_on_the_status_index(db_url: str, tmp_path: Path) -> None:
    await _imported(db_url, tmp_path)
    database = Database(db_url)
    try:
        sqlite = database.engine.dialect.name == "sqlite"
        for statuses in (ACTIVE, COUNTED, (Status.RESOLVED,)):
            _listed, *counts = await _plans(database, TicketFilter(statuses=statuses, limit=21))
            for plan in counts:
                used = "COVERING INDEX ix_tickets_status" if sqlite else "Index Only Scan"
                assert used in plan and "ix_tickets_status" in plan, plan
    finally:
        await database.dispose()


async def test_a_word_few_tickets_say_is_found_by_the_trigram_indexes(
    db_url: str, tmp_path: Path
) -> None:
    """PostgreSQL's text filter can read the trigram indexes (storage/text_search.py):
    they index its very expressions, with the word as a parameter. At 3,000 tickets a
    scan costs less, so the plan is asked for with scans priced out; at 100k the planner
    takes the indexes by itself for a word few tickets say (bench/analysis.md)."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite has no trigram index: its text filter reads the tickets")
    await _imported(db_url, tmp_path)
    database = Database(db_url)
    try:
        for word in ("leaking toilet", "NUMBER 2999"):
            flt = TicketFilter(text=word, limit=21)
            plans = await _plans(database, flt, *NO_SCANS)
            for plan in plans[:2]:
                for index in TRIGRAM_INDEXES:
                    assert index in plan, plan
    finally:
        await database.dispose()
