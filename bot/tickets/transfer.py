"""`clubos-tickets export` and `clubos-tickets import`: tickets in and out as ticket JSON.

Export writes every ticket, oldest first (ascending ticket number), as one JSON list or
as CSV. Import reads a JSON list, validates every record before writing anything, then
writes all new tickets in one transaction: ids, timestamps and `linked_thread` strings
are kept as given, tickets whose id already exists are skipped (so importing the same
file twice is harmless), and the ticket counter is raised so new ids continue above.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.tickets.service import TicketService
from bot.tickets.ticket_json import TICKET_JSON_KEYS, TicketRecord, ticket_to_json
from bot.tickets.transfer_validation import check_records, json_kind, rejection
from bot.tickets.transfer_writing import write_records
from storage import migrate
from storage.db import Database

log = logging.getLogger("clubos.transfer")


class ImportRejected(Exception):
    """The file cannot be imported; the message says why. Nothing was written."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


@dataclass(frozen=True)
class ImportReport:
    imported: int
    skipped: int


# --- export --------------------------------------------------------------------------


async def export_tickets(database_url: str, fmt: str, stream: TextIO) -> int:
    """Write every ticket (all statuses, oldest first) to `stream` as `json` or `csv`;
    returns how many were written."""
    if fmt not in ("json", "csv"):
        raise ValueError(f"unknown export format {fmt!r} (expected json or csv)")
    database = Database(database_url)
    try:
        async with database.unit_of_work() as session:
            tickets = await TicketService(session).list()
    finally:
        await database.dispose()
    records = [ticket_to_json(t) for t in reversed(tickets)]  # list() is newest first
    if fmt == "json":
        json.dump(records, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    else:
        writer = csv.writer(stream)
        writer.writerow(TICKET_JSON_KEYS)
        for record in records:
            writer.writerow([_csv_cell(record[key]) for key in TICKET_JSON_KEYS])
    stream.flush()
    return len(records)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


# --- import --------------------------------------------------------------------------


def load_records(path: Path) -> list[TicketRecord]:
    """Every record of the file, validated; ImportRejected listing the problems if any."""
    data = _json_list(path)
    checked = check_records(data)
    if checked.problems:
        raise ImportRejected(rejection(path.name, checked, len(data)), checked.problems)
    return checked.records


def _json_list(path: Path) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ImportRejected(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ImportRejected(f"{path.name} is not UTF-8 text.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            f"{path.name} is not valid JSON ({exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}). Expected a JSON list of ticket objects."
        ) from None
    if not isinstance(data, list):
        raise ImportRejected(
            f"{path.name} holds {json_kind(data)}, but an import needs a JSON list of "
            "ticket objects ([{...}, {...}])."
        )
    return data


async def import_tickets(database_url: str, path: Path, progress: bool = True) -> ImportReport:
    """Import the JSON list at `path`: all of it (minus tickets already present) or,
    when any record is bad, nothing (ImportRejected)."""
    records = load_records(path)
    try:
        await migrate.ensure_current(database_url)
    except migrate.SchemaOutdated as exc:
        raise ImportRejected(str(exc)) from None
    database = Database(database_url)
    try:
        async with database.unit_of_work() as session:
            imported = await write_records(session, records, source=path.name, progress=progress)
    finally:
        await database.dispose()
    report = ImportReport(imported=imported, skipped=len(records) - imported)
    log.info(
        "tickets.imported",
        extra={"file": path.name, "imported": report.imported, "skipped": report.skipped},
    )
    return report
