"""Writing imported tickets: all new records in the caller's one transaction, in batches,
ids, timestamps and thread references kept as given, each ticket with an `imported`
audit event. Tickets whose number already exists are left alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from bot.logs import correlation_id
from bot.tickets.domain import Status, ThreadRef
from bot.tickets.ticket_json import TicketRecord
from storage.db import UnitOfWork
from storage.models import utcnow
from storage.tickets import EventFields, ThreadFields, TicketFields, TicketRepository

IMPORT_ACTOR = "import"
PROGRESS_THRESHOLD = 500  # show a progress bar for files with more records than this
BATCH_SIZE = 500  # rows flushed per round trip while importing
LOOKUP_CHUNK = 1000  # ticket numbers per "which exist already" query

T = TypeVar("T")


async def write_records(
    session: UnitOfWork, records: Sequence[TicketRecord], *, source: str, progress: bool
) -> int:
    """Write the records whose ticket is not there yet; returns how many were written."""
    if not records:
        return 0
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
                repo.add(_ticket_fields(record))
            await repo.flush()  # tickets before the rows that reference them
            for record in batch:
                for ref in record.threads:
                    repo.add_thread(_thread_fields(record, ref))
                repo.add_event(_event_fields(record, now, cid, source))
            await repo.flush()
            advance(len(batch))
    return len(new)


def _ticket_fields(record: TicketRecord) -> TicketFields:
    updated_at = record.updated_at or record.timestamp
    resolved_at = record.resolved_at
    if resolved_at is None and record.status in (Status.RESOLVED, Status.ARCHIVED):
        resolved_at = updated_at
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
    )


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
