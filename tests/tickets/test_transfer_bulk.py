"""Import and export at scale, on SQLite and on PostgreSQL: imported open tickets carry SLA
deadlines, an import interrupted between its batches completes when run again, and the
export written page by page is the file the whole list gave."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.followup.sla.levels import SERVICE_LEVELS
from bot.tickets import transfer_writing
from bot.tickets.domain import Priority
from bot.tickets.service import TicketService
from bot.tickets.ticket_json import ticket_to_json
from bot.tickets.transfer import export_tickets, import_tickets
from bot.tickets.transfer_reading import json_items
from storage.db import Database
from storage.models import TicketEventRow, TicketRow, TicketThreadRow
from tests.tickets.transfer_files import count_rows, export, ticket_record, write_file


async def rows_by_id(db: Database) -> dict[str, TicketRow]:
    async with db.unit_of_work() as session:
        return {row.ticket_id: row for row in await session.scalars(select(TicketRow))}


async def test_imported_open_tickets_get_sla_deadlines(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    records = [
        ticket_record(1, priority="critical"),
        ticket_record(2, priority="low", assigned_to="U0OPS1"),
        ticket_record(3, priority="high", status="in_progress", updated_at="2024-01-02T09:00:00Z"),
        ticket_record(4, priority="medium", status="resolved"),
        ticket_record(5, priority="high", status="archived"),
    ]
    await import_tickets(db_url, write_file(tmp_path, records), progress=False)
    rows = await rows_by_id(db)

    for ticket_id in ("T-1", "T-2", "T-3"):
        row = rows[ticket_id]
        level = SERVICE_LEVELS[Priority(row.priority)]
        assert row.response_due_at == row.created_at + level.first_response
        assert row.resolution_due_at == row.created_at + level.resolution
    assert rows["T-1"].first_response_at is None  # nobody has answered: the clock runs
    assert rows["T-2"].first_response_at == rows["T-2"].updated_at  # assigned: answered
    assert rows["T-3"].first_response_at == rows["T-3"].updated_at  # in progress: answered
    for ticket_id in ("T-4", "T-5"):
        assert (rows[ticket_id].response_due_at, rows[ticket_id].resolution_due_at) == (None, None)


class Interrupted(Exception):
    """Stands for the operator's Ctrl-C (or a crash) in the middle of an import."""


def interrupted_after(count: int) -> Any:
    def items(path: Path) -> Iterator[Any]:
        for n, item in enumerate(json_items(path)):
            if n == count:
                raise Interrupted
            yield item

    return items


async def test_interrupted_import_completes_when_run_again(
    db: Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [
        ticket_record(n, linked_threads=[f"C0RELAY:17000{n:05d}.000200"]) for n in range(1, 8)
    ]
    path = write_file(tmp_path, records)
    monkeypatch.setattr(transfer_writing, "BATCH_SIZE", 2)
    monkeypatch.setattr(transfer_writing, "json_items", interrupted_after(5))
    with pytest.raises(Interrupted):
        await import_tickets(db_url, path, progress=False)
    assert sorted(await rows_by_id(db)) == ["T-1", "T-2", "T-3", "T-4"]  # two whole batches

    monkeypatch.setattr(transfer_writing, "json_items", json_items)
    report = await import_tickets(db_url, path, progress=False)

    assert (report.imported, report.skipped) == (3, 4)
    assert await count_rows(db, TicketRow) == 7
    assert await count_rows(db, TicketThreadRow) == 14  # each ticket's two threads, once
    async with db.unit_of_work() as session:
        per_ticket = await session.execute(
            select(TicketEventRow.ticket_number, func.count()).group_by(
                TicketEventRow.ticket_number
            )
        )
        assert sorted(per_ticket) == [(n, 1) for n in range(1, 8)]  # one `imported` event each


async def test_export_in_pages_is_the_file_the_whole_list_gave(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    records = [
        ticket_record(n, title=f"Écran n°{n} \u2013 “figé”", description=f'line one\nline {n}\t"q"')
        for n in range(1, 8)
    ]
    records[2]["linked_threads"] = ["C0RELAY:1700000000.000300", "not-a-thread-ref"]
    records[4]["status"] = "resolved"
    await import_tickets(db_url, write_file(tmp_path, records), progress=False)
    async with db.unit_of_work() as session:
        everything = [ticket_to_json(t) for t in reversed(await TicketService(session).list())]
    whole = json.dumps(everything, indent=2, ensure_ascii=False) + "\n"

    for page_size in (1, 2, 3, 7, 1000):
        stream = io.StringIO()
        assert await export_tickets(db_url, "json", stream, page_size=page_size) == 7
        assert stream.getvalue() == whole
    csv_pages = io.StringIO()
    await export_tickets(db_url, "csv", csv_pages, page_size=2)
    assert csv_pages.getvalue() == await export(db_url, "csv")
    assert len(csv_pages.getvalue().splitlines()) > 8  # header, 7 rows (some with newlines)
