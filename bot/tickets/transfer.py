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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.ext.asyncio import AsyncSession

from bot.logs import correlation_id
from bot.tickets.domain import Status, ThreadRef
from bot.tickets.service import TicketService
from bot.tickets.ticket_json import TICKET_JSON_KEYS, TicketRecord, ticket_to_json
from storage import migrate
from storage.db import Database
from storage.models import TicketEventRow, TicketRow, TicketThreadRow, utcnow
from storage.tickets import TicketRepository

log = logging.getLogger("clubos.transfer")

IMPORT_ACTOR = "import"
PROGRESS_THRESHOLD = 500  # show a progress bar for files with more records than this
BATCH_SIZE = 500  # rows flushed per round trip while importing
LOOKUP_CHUNK = 1000  # ticket numbers per "which exist already" query
MAX_PROBLEMS_SHOWN = 20

T = TypeVar("T")


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


# --- import: reading and validating -----------------------------------------------


def load_records(path: Path) -> list[TicketRecord]:
    """Every record of the file, validated; ImportRejected listing the problems if any."""
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
            f"{path.name} holds {_json_kind(data)}, but an import needs a JSON list of "
            "ticket objects ([{...}, {...}])."
        )

    records: list[TicketRecord] = []
    problems: list[str] = []
    bad_indexes: set[int] = set()
    first_index: dict[str, int] = {}
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            bad_indexes.add(index)
            problems.append(
                f"{_where(index, None)}: expected a ticket object, found {_json_kind(item)}"
            )
            continue
        try:
            record = TicketRecord.model_validate(item)
        except ValidationError as exc:
            bad_indexes.add(index)
            where = _where(index, item.get("ticket_id"))
            problems.extend(f"{where}: {_describe(error)}" for error in exc.errors())
            continue
        first = first_index.setdefault(record.ticket_id, index)
        if first != index:
            bad_indexes.add(index)
            problems.append(
                f"{_where(index, record.ticket_id)}: ticket_id repeats the record at index {first}"
            )
            continue
        records.append(record)

    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        lines = [
            f"{path.name}: {len(bad_indexes)} of {len(data)} records are not valid ticket JSON "
            "(record indexes count from 0):",
            *(f"  {p}" for p in shown),
        ]
        if more:
            lines.append(f"  ... and {more} more problems")
        raise ImportRejected("\n".join(lines), problems)
    return records


def _where(index: int, ticket_id: object) -> str:
    if isinstance(ticket_id, str) and ticket_id.strip():
        return f"record at index {index} (ticket_id {ticket_id.strip()})"
    return f"record at index {index}"


def _describe(error: ErrorDetails) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "record"
    if error["type"] == "missing":
        return f"{field}: required field is missing"
    message = error["msg"].removeprefix("Value error, ")
    given = repr(error.get("input"))
    if len(given) > 60:
        given = given[:57] + "..."
    return f"{field}: {message} (got {given})"


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


# --- import: writing -------------------------------------------------------------------


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
            report = await _write(session, records, source=path.name, progress=progress)
    finally:
        await database.dispose()
    log.info(
        "tickets.imported",
        extra={"file": path.name, "imported": report.imported, "skipped": report.skipped},
    )
    return report


async def _write(
    session: AsyncSession, records: Sequence[TicketRecord], *, source: str, progress: bool
) -> ImportReport:
    if not records:
        return ImportReport(imported=0, skipped=0)
    repo = TicketRepository(session)
    # First statement of the transaction: it locks the counter row until commit, so
    # tickets created meanwhile wait and then get numbers above the imported ones
    # (on SQLite the whole transaction holds the write lock anyway).
    await repo.raise_counter_to(max(r.number for r in records))

    existing: set[int] = set()
    for chunk in _chunks([r.number for r in records], LOOKUP_CHUNK):
        existing |= await repo.existing_numbers(chunk)
    new = [r for r in records if r.number not in existing]

    now = utcnow()
    cid = correlation_id.get()
    with _progress_bar(len(records), enabled=progress) as advance:
        advance(len(records) - len(new))
        for batch in _chunks(new, BATCH_SIZE):
            for record in batch:
                repo.add(_ticket_row(record))
            await repo.flush()  # tickets before the rows that reference them
            for record in batch:
                for ref in record.threads:
                    repo.add_thread(_thread_row(record, ref))
                repo.add_event(_event_row(record, now, cid, source))
            await repo.flush()
            advance(len(batch))
    return ImportReport(imported=len(new), skipped=len(records) - len(new))


def _ticket_row(record: TicketRecord) -> TicketRow:
    updated_at = record.updated_at or record.timestamp
    resolved_at = record.resolved_at
    if resolved_at is None and record.status in (Status.RESOLVED, Status.ARCHIVED):
        resolved_at = updated_at
    return TicketRow(
        number=record.number,
        ticket_id=record.ticket_id,
        created_by=record.created_by,
        submitted_by=record.submitted_by or record.created_by,
        source=record.source.value,
        category=record.category.value,
        priority=record.priority.value,
        status=record.status.value,
        title=record.title,
        description=record.description or "",
        location=record.location,
        bay=record.bay,
        assigned_to=record.assigned_to,
        resolution_notes=record.resolution_notes,
        hold_reason=record.hold_reason,
        learnable=record.learnable,
        decided_by=record.decided_by,
        created_at=record.timestamp,
        updated_at=updated_at,
        resolved_at=resolved_at,
    )


def _thread_row(record: TicketRecord, ref: str) -> TicketThreadRow:
    parsed = ThreadRef.parse(ref)
    return TicketThreadRow(
        ticket_number=record.number,
        ref=ref,
        channel=parsed.channel if parsed else None,
        thread_ts=parsed.thread_ts if parsed else None,
        linked_at=record.timestamp,
        linked_by=record.created_by,
    )


def _event_row(record: TicketRecord, at: datetime, cid: str | None, source: str) -> TicketEventRow:
    snapshot: dict[str, Any] = {
        "ticket_id": record.ticket_id,
        "source": record.source.value,
        "category": record.category.value,
        "priority": record.priority.value,
        "status": record.status.value,
        "location": record.location,
        "bay": record.bay,
        "assigned_to": record.assigned_to,
    }
    return TicketEventRow(
        ticket_number=record.number,
        at=at,
        actor=IMPORT_ACTOR,
        action="imported",
        changes={key: [None, value] for key, value in snapshot.items()},
        note=f"Imported from {source}",
        correlation_id=cid,
    )


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def _progress_bar(total: int, *, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr for large imports; otherwise a no-op `advance`."""
    if not enabled or total <= PROGRESS_THRESHOLD:
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True)) as bar:
        task = bar.add_task("Importing tickets", total=total)
        yield lambda n: bar.advance(task, n)
