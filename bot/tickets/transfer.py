"""`clubos-tickets export` and `clubos-tickets import`: tickets in and out as ticket JSON.

Export writes every ticket, oldest first (ascending ticket number), as one JSON list or
as CSV, page by page as the tickets are read: its memory does not grow with the club.
Import reads a JSON list one ticket at a time, twice: first every record is validated
(nothing is written when any is bad), then the new tickets are written in batches, each
committed on its own. Ids, timestamps and `linked_thread` strings are kept as given,
tickets whose id already exists are skipped (so importing the same file twice, or again
after an interrupted import, is harmless), and the ticket counter is raised first so new
ids continue above.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.tickets.rows import to_ticket
from bot.tickets.ticket_json import TICKET_JSON_KEYS, ticket_to_json
from bot.tickets.transfer_reading import UnreadableFile, json_items
from bot.tickets.transfer_validation import CheckedRecords, rejection
from bot.tickets.transfer_writing import FileChanged, write_file
from storage import migrate
from storage.db import Database
from storage.ticket_bulk import refresh_statistics, ticket_page
from storage.tickets import TicketRepository

log = logging.getLogger("clubos.transfer")

EXPORT_PAGE = 1000  # tickets read per query while exporting


class ImportRejected(Exception):
    """The file cannot be imported; the message says why. Nothing was written, unless
    the file changed while it was being imported (the message then says so)."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


@dataclass(frozen=True)
class ImportReport:
    imported: int
    skipped: int


# --- export --------------------------------------------------------------------------


async def export_tickets(
    database_url: str, fmt: str, stream: TextIO, *, page_size: int = EXPORT_PAGE
) -> int:
    """Write every ticket (all statuses, oldest first) to `stream` as `json` or `csv`;
    returns how many were written."""
    if fmt not in ("json", "csv"):
        raise ValueError(f"unknown export format {fmt!r} (expected json or csv)")
    out = _JsonList(stream) if fmt == "json" else _CsvRows(stream)
    database = Database(database_url)
    written = 0
    try:
        async for record in _ticket_records(database, page_size):
            out.write(record)
            written += 1
    finally:
        await database.dispose()
    out.finish()
    stream.flush()
    return written


async def _ticket_records(database: Database, page_size: int) -> AsyncIterator[dict[str, Any]]:
    """Every ticket's JSON, ascending, a page per unit of work (no transaction, nor on
    SQLite the write lock, is held while the page is written out)."""
    after = 0
    while True:
        async with database.unit_of_work() as session:
            rows = await ticket_page(session, after, page_size)
            threads = await TicketRepository(session).threads([row.number for row in rows])
        if not rows:
            return
        for row in rows:
            yield ticket_to_json(to_ticket(row, threads.get(row.number, [])))
        after = rows[-1].number


class _JsonList:
    """The list as `json.dump(records, indent=2, ensure_ascii=False)` wrote it, a record
    at a time (JSON strings hold no raw newline, so indenting each line nests it)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.opened = False

    def write(self, record: dict[str, Any]) -> None:
        text = json.dumps(record, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        self.stream.write((",\n  " if self.opened else "[\n  ") + text)
        self.opened = True

    def finish(self) -> None:
        self.stream.write("\n]\n" if self.opened else "[]\n")


class _CsvRows:
    def __init__(self, stream: TextIO) -> None:
        self.writer = csv.writer(stream)
        self.writer.writerow(TICKET_JSON_KEYS)

    def write(self, record: dict[str, Any]) -> None:
        self.writer.writerow([_csv_cell(record[key]) for key in TICKET_JSON_KEYS])

    def finish(self) -> None:
        pass  # CSV has no closing line


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


# --- import --------------------------------------------------------------------------


def check_file(path: Path) -> CheckedRecords:
    """Every record of the file validated, one at a time; ImportRejected listing the
    problems if any."""
    checked = CheckedRecords()
    try:
        for index, item in enumerate(json_items(path)):
            checked.check(index, item)
    except UnreadableFile as exc:
        raise ImportRejected(str(exc)) from None
    if checked.problems:
        raise ImportRejected(rejection(path.name, checked), checked.problems)
    return checked


async def import_tickets(database_url: str, path: Path, progress: bool = True) -> ImportReport:
    """Import the JSON list at `path`: all of it (minus tickets already present) or,
    when any record is bad, nothing (ImportRejected)."""
    checked = check_file(path)
    try:
        await migrate.ensure_current(database_url)
    except migrate.SchemaOutdated as exc:
        raise ImportRejected(str(exc)) from None
    database = Database(database_url)
    try:
        imported = await write_file(database, path, checked, progress=progress)
        if imported:
            await refresh_statistics(database)
    except FileChanged as exc:
        raise ImportRejected(str(exc)) from None
    finally:
        await database.dispose()
    report = ImportReport(imported=imported, skipped=checked.count - imported)
    log.info(
        "tickets.imported",
        extra={"file": path.name, "imported": report.imported, "skipped": report.skipped},
    )
    return report
