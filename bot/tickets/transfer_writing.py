"""Writing imported tickets: the new records in batches, each batch in a unit of work of
its own with many rows per statement; ids, timestamps and thread references kept as
given, each ticket with an `imported` audit event, an open ticket with its SLA deadlines.
Tickets whose number already exists are left alone, so an import interrupted after some
batches completes when it is run again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from bot.followup.sla.levels import deadlines
from bot.logs import correlation_id
from bot.tickets.domain import Status, ThreadRef
from bot.tickets.status import OPEN_STATUSES
from bot.tickets.ticket_json import TicketRecord
from bot.tickets.transfer_reading import UnreadableFile, json_items
from bot.tickets.transfer_validation import CheckedRecords
from storage.db import Database, UnitOfWork, is_sqlite
from storage.models import utcnow
from storage.ticket_bulk import insert_events, insert_threads, insert_tickets
from storage.tickets import EventFields, ThreadFields, TicketFields, TicketRepository

IMPORT_ACTOR = "import"
PROGRESS_THRESHOLD = 500  # show a progress bar for files with more records than this
BATCH_SIZE = 1000  # records per unit of work (and per "which exist already" query)

T = TypeVar("T")


class FileChanged(Exception):
    """The file no longer reads as it did when it was checked; the batches written
    before stay (an import run again completes them)."""


async def write_file(
    database: Database, path: Path, checked: CheckedRecords, *, progress: bool
) -> int:
    """Write the records of the checked file whose ticket is not there yet; returns how
    many were written."""
    if not checked.count:
        return 0
    # Committed before any ticket: tickets created meanwhile get numbers above the file's.
    async with database.unit_of_work() as session:
        await TicketRepository(session).raise_counter_to(checked.max_number)
    now, cid, written = utcnow(), correlation_id.get(), 0
    batches = _batches(_records(path), BATCH_SIZE)
    with _progress_bar(checked.count, enabled=progress) as advance:
        try:
            # On a database server the next batch is read and validated in a thread while
            # the server stores this one (a quarter of the import was waiting for it). Not
            # on SQLite: it stores in this process, and the two threads only contend.
            read = _read_here if is_sqlite(database.url) else _read_in_thread
            upcoming = read(batches)
            try:
                while (batch := await upcoming) is not None:
                    upcoming = read(batches)
                    async with database.unit_of_work() as session:
                        written += await write_batch(session, batch, now, cid, path.name)
                    advance(len(batch))
            finally:  # a failed write leaves the next read unawaited: drop it quietly
                _discard(upcoming)
        except (UnreadableFile, ValidationError) as exc:
            raise FileChanged(
                f"{path.name} changed while it was imported ({written} tickets were written; "
                f"import it again to finish): {exc}"
            ) from None
    return written


def _read_in_thread(batches: Iterator[list[TicketRecord]]) -> Awaitable[list[TicketRecord] | None]:
    """The next batch (None after the last), being read in a worker thread from now. One
    at a time: the generator is never advanced by two threads at once."""
    return asyncio.ensure_future(asyncio.to_thread(next, batches, None))


async def _read_here(batches: Iterator[list[TicketRecord]]) -> list[TicketRecord] | None:
    """The next batch, read when awaited."""
    return next(batches, None)


def _discard(pending: Awaitable[Any]) -> None:
    if isinstance(pending, Coroutine):
        pending.close()
    elif isinstance(pending, asyncio.Future):
        pending.cancel()


def _records(path: Path) -> Iterator[TicketRecord]:
    for item in json_items(path):
        yield TicketRecord.model_validate(item)


async def write_batch(
    session: UnitOfWork, batch: Sequence[TicketRecord], at: datetime, cid: str | None, source: str
) -> int:
    """Write the tickets of `batch` not there yet, their threads and audit events."""
    existing = await TicketRepository(session).existing_numbers([r.number for r in batch])
    new = [r for r in batch if r.number not in existing]
    # Tickets before the rows that reference them.
    await insert_tickets(session, [_ticket_fields(r) for r in new])
    await insert_threads(session, [_thread_fields(r, ref) for r in new for ref in r.threads])
    await insert_events(session, [_event_fields(r, at, cid, source) for r in new])
    return len(new)


def _ticket_fields(record: TicketRecord) -> TicketFields:
    updated_at = record.updated_at or record.timestamp
    resolved_at = record.resolved_at
    if resolved_at is None and record.status in (Status.RESOLVED, Status.ARCHIVED):
        resolved_at = updated_at
    clocks = _sla_clocks(record, updated_at)
    return TicketFields(
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
        dismissed=record.dismissed,
        decided_by=record.decided_by,
        created_at=record.timestamp,
        updated_at=updated_at,
        resolved_at=resolved_at,
        **clocks,
    )


def _sla_clocks(record: TicketRecord, updated_at: datetime) -> dict[str, Any]:
    """An open ticket's SLA deadlines, from its priority and when it was opened, as a new
    ticket gets them; its first response taken as given (at its last update) once an
    operator has moved or assigned it. A closed ticket's clocks are stopped: none."""
    if record.status not in OPEN_STATUSES:
        return {}
    due = deadlines(record.priority, record.timestamp)
    responded = record.status != Status.OPEN or record.assigned_to is not None
    return {
        "response_due_at": due.response_due_at,
        "resolution_due_at": due.resolution_due_at,
        "first_response_at": updated_at if responded else None,
    }


def _thread_fields(record: TicketRecord, ref: str) -> ThreadFields:
    parsed = ThreadRef.parse(ref)
    return ThreadFields(
        ticket_number=record.number,
        ref=ref,
        channel=parsed.channel if parsed else None,
        thread_ts=parsed.thread_ts if parsed else None,
        linked_at=record.timestamp,
        linked_by=record.created_by,
    )


def _event_fields(record: TicketRecord, at: datetime, cid: str | None, source: str) -> EventFields:
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
    return EventFields(
        ticket_number=record.number,
        at=at,
        actor=IMPORT_ACTOR,
        action="imported",
        changes={key: [None, value] for key, value in snapshot.items()},
        note=f"Imported from {source}",
        correlation_id=cid,
    )


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


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
