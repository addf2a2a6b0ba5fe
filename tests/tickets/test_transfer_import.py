"""Importing tickets (`clubos-tickets import FILE`) on SQLite and on PostgreSQL (the `db`
/ `db_url` fixtures): the seed round-trips exactly, ids and threads are kept as given,
importing twice is harmless, and new tickets continue above the imported ids."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import select

from bot.tickets.domain import ThreadRef
from bot.tickets.service import TicketService
from bot.tickets.ticket_json import SEED_KEYS
from bot.tickets.transfer import import_tickets
from storage.db import Database
from storage.models import TicketEventRow, TicketRow, TicketThreadRow
from tests.tickets.helpers import create
from tests.tickets.transfer_files import (
    SEED,
    SEED_FILE,
    count_rows,
    export,
    ticket_record,
    write_file,
)

CONTRACT_EXTRAS = (
    "linked_threads",
    "bay",
    "resolution_notes",
    "updated_at",
    "learnable",
    "decided_by",
)


# --- the seed ----------------------------------------------------------------------


async def test_seed_round_trips_exactly(db: Database, db_url: str) -> None:
    report = await import_tickets(db_url, SEED_FILE, progress=False)
    assert (report.imported, report.skipped) == (1, 0)

    exported = json.loads(await export(db_url))
    assert isinstance(exported, list) and len(exported) == 1
    ticket = exported[0]
    assert list(ticket)[: len(SEED_KEYS)] == list(SEED_KEYS)
    assert {key: ticket[key] for key in SEED_KEYS} == SEED
    assert set(CONTRACT_EXTRAS) <= set(ticket)
    assert ticket["linked_threads"] == [SEED["linked_thread"]]
    assert ticket["bay"] is None
    assert ticket["learnable"] is False
    assert ticket["resolution_notes"] is None
    assert ticket["decided_by"] is None
    assert ticket["updated_at"] == SEED["timestamp"]


async def test_seed_thread_is_found_by_channel_and_ts(db: Database, db_url: str) -> None:
    await import_tickets(db_url, SEED_FILE, progress=False)
    async with db.unit_of_work() as session:
        found = await TicketService(session).for_thread(ThreadRef("C0RELAY", "1732550000.000100"))
    assert [t.ticket_id for t in found] == ["T-30981"]


async def test_new_ticket_continues_above_imported_ids(db: Database, db_url: str) -> None:
    await import_tickets(db_url, SEED_FILE, progress=False)
    ticket = await create(db)
    assert ticket.ticket_id == "T-30982"


async def test_counter_is_never_lowered(db: Database, db_url: str, tmp_path: Path) -> None:
    await import_tickets(db_url, SEED_FILE, progress=False)
    await import_tickets(db_url, write_file(tmp_path, [ticket_record(7)]), progress=False)
    ticket = await create(db)
    assert ticket.ticket_id == "T-30982"


async def test_reimport_is_idempotent(db: Database, db_url: str) -> None:
    first = await import_tickets(db_url, SEED_FILE, progress=False)
    second = await import_tickets(db_url, SEED_FILE, progress=False)
    assert (first.imported, first.skipped) == (1, 0)
    assert (second.imported, second.skipped) == (0, 1)
    assert await count_rows(db, TicketRow) == 1
    assert await count_rows(db, TicketThreadRow) == 1
    async with db.unit_of_work() as session:
        events = await TicketService(session).events("T-30981")
    assert [(e.action, e.actor) for e in events] == [("imported", "import")]


async def test_partly_present_file_imports_only_the_new(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    await import_tickets(
        db_url, write_file(tmp_path, [ticket_record(1), ticket_record(2)]), progress=False
    )
    path = write_file(tmp_path, [ticket_record(1), ticket_record(2), ticket_record(3)], "more.json")
    report = await import_tickets(db_url, path, progress=False)
    assert (report.imported, report.skipped) == (1, 2)
    assert await count_rows(db, TicketRow) == 3
    assert await count_rows(db, TicketEventRow) == 3


# --- what is kept as given -----------------------------------------------------------


async def test_fields_and_threads_kept_as_given(db: Database, db_url: str, tmp_path: Path) -> None:
    record = ticket_record(
        5,
        linked_thread="https://example.slack.com/archives/C0RELAY/p1732550000000100",
        linked_threads=["C0TECH:1732551111.000200", "C0TECH:1732551111.000200"],
        status="resolved",
        assigned_to="U0OP1",
        bay=2,
        resolution_notes="Refilled the tray.",
        learnable=True,
        decided_by="rules",
        timestamp="2024-11-25T10:30:00.250-04:00",
        updated_at="2024-11-25T15:00:00.123456Z",
        events=[{"action": "created"}],  # unknown keys are ignored
    )
    await import_tickets(db_url, write_file(tmp_path, [record]), progress=False)
    [ticket] = json.loads(await export(db_url))
    assert ticket["linked_thread"] == record["linked_thread"]
    assert ticket["linked_threads"] == [record["linked_thread"], "C0TECH:1732551111.000200"]
    assert ticket["timestamp"] == "2024-11-25T14:30:00.250Z"
    assert ticket["updated_at"] == "2024-11-25T15:00:00.123456Z"
    assert ticket["resolved_at"] == "2024-11-25T15:00:00.123456Z"
    assert (ticket["status"], ticket["assigned_to"], ticket["bay"]) == ("resolved", "U0OP1", 2)
    assert (ticket["learnable"], ticket["decided_by"]) == (True, "rules")
    assert ticket["resolution_notes"] == "Refilled the tray."
    async with db.unit_of_work() as session:
        rows = (await session.scalars(select(TicketThreadRow).order_by(TicketThreadRow.id))).all()
    assert [(r.channel, r.thread_ts) for r in rows] == [
        (None, None),
        ("C0TECH", "1732551111.000200"),
    ]


async def test_minimal_record_gets_defaults(db: Database, db_url: str, tmp_path: Path) -> None:
    minimal = {k: ticket_record(9)[k] for k in ("ticket_id", "title", "category", "priority")}
    minimal |= {"status": "open", "location": "Bedford", "timestamp": "2024-11-25T14:30:00Z"}
    await import_tickets(db_url, write_file(tmp_path, [minimal]), progress=False)
    [ticket] = json.loads(await export(db_url))
    assert ticket["created_by"] == "import"
    assert ticket["submitted_by"] == "import"
    assert ticket["source"] == "manual"
    assert ticket["linked_thread"] is None
    assert ticket["linked_threads"] == []
    assert ticket["description"] == ""


# --- a larger file -----------------------------------------------------------------------


async def test_thousand_records(db: Database, db_url: str, tmp_path: Path) -> None:
    records = [ticket_record(n) for n in range(1, 1001)]
    path = write_file(tmp_path, records)
    started = time.monotonic()
    report = await import_tickets(db_url, path, progress=True)
    elapsed = time.monotonic() - started
    assert (report.imported, report.skipped) == (1000, 0)
    assert elapsed < 30, f"importing 1,000 tickets took {elapsed:.1f}s"
    exported = json.loads(await export(db_url))
    assert [t["ticket_id"] for t in exported] == [f"T-{n}" for n in range(1, 1001)]
    assert {k: exported[499][k] for k in SEED_KEYS} == records[499]
    assert await count_rows(db, TicketEventRow) == 1000
    again = await import_tickets(db_url, path, progress=False)
    assert (again.imported, again.skipped) == (0, 1000)
