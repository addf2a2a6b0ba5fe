"""Import and export of tickets (`clubos-tickets import FILE`, `export --format json|csv`).

Every test runs on SQLite and on PostgreSQL (the `db` / `db_url` fixtures).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.tickets.domain import Category, Priority, Source, ThreadRef
from bot.tickets.service import NewTicket, TicketService
from bot.tickets.ticket_json import SEED_KEYS, TICKET_JSON_KEYS
from bot.tickets.transfer import ImportRejected, export_tickets, import_tickets
from storage.db import Database
from storage.models import TicketEventRow, TicketRow, TicketThreadRow
from tests.support.paths import DATA, REPO

SEED_FILE = DATA / "seed_ticket.json"
SEED: dict[str, Any] = json.loads(SEED_FILE.read_text())[0]
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
CONTRACT_EXTRAS = (
    "linked_threads",
    "bay",
    "resolution_notes",
    "updated_at",
    "learnable",
    "decided_by",
)


def _record(number: int, **overrides: Any) -> dict[str, Any]:
    record = {
        "ticket_id": f"T-{number}",
        "created_by": "OperatorGPT",
        "submitted_by": f"cust_{number}",
        "source": "message_thread",
        "linked_thread": f"C0RELAY:17325{number:05d}.000100",
        "category": "tech" if number % 2 else "facilities",
        "priority": ["low", "medium", "high", "critical"][number % 4],
        "status": "open",
        "title": f"Ticket number {number}",
        "description": f"Description of ticket {number}.",
        "location": "Bedford",
        "timestamp": (BASE_TIME + timedelta(minutes=number)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "assigned_to": None,
    }
    record.update(overrides)
    return record


def _write(tmp_path: Path, data: Any, name: str = "tickets.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


async def _export(db_url: str, fmt: str = "json") -> str:
    stream = io.StringIO()
    await export_tickets(db_url, fmt, stream)
    return stream.getvalue()


async def _count(db: Database, model: Any) -> int:
    async with db.unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _new_ticket() -> NewTicket:
    return NewTicket(
        title="Projector flickers",
        category=Category.TECH,
        priority=Priority.HIGH,
        location="Bedford",
        created_by="U0OP1",
        submitted_by="U0OP1",
        source=Source.MANUAL,
    )


# --- the seed ----------------------------------------------------------------------


async def test_seed_round_trips_exactly(db: Database, db_url: str) -> None:
    report = await import_tickets(db_url, SEED_FILE, progress=False)
    assert (report.imported, report.skipped) == (1, 0)

    exported = json.loads(await _export(db_url))
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
    async with db.unit_of_work() as session:
        ticket = await TicketService(session).create(_new_ticket())
    assert ticket.ticket_id == "T-30982"


async def test_counter_is_never_lowered(db: Database, db_url: str, tmp_path: Path) -> None:
    await import_tickets(db_url, SEED_FILE, progress=False)
    await import_tickets(db_url, _write(tmp_path, [_record(7)]), progress=False)
    async with db.unit_of_work() as session:
        ticket = await TicketService(session).create(_new_ticket())
    assert ticket.ticket_id == "T-30982"


async def test_reimport_is_idempotent(db: Database, db_url: str) -> None:
    first = await import_tickets(db_url, SEED_FILE, progress=False)
    second = await import_tickets(db_url, SEED_FILE, progress=False)
    assert (first.imported, first.skipped) == (1, 0)
    assert (second.imported, second.skipped) == (0, 1)
    assert await _count(db, TicketRow) == 1
    assert await _count(db, TicketThreadRow) == 1
    async with db.unit_of_work() as session:
        events = await TicketService(session).events("T-30981")
    assert [(e.action, e.actor) for e in events] == [("imported", "import")]


async def test_partly_present_file_imports_only_the_new(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    await import_tickets(db_url, _write(tmp_path, [_record(1), _record(2)]), progress=False)
    path = _write(tmp_path, [_record(1), _record(2), _record(3)], "more.json")
    report = await import_tickets(db_url, path, progress=False)
    assert (report.imported, report.skipped) == (1, 2)
    assert await _count(db, TicketRow) == 3
    assert await _count(db, TicketEventRow) == 3


# --- what is kept as given -----------------------------------------------------------


async def test_fields_and_threads_kept_as_given(db: Database, db_url: str, tmp_path: Path) -> None:
    record = _record(
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
    await import_tickets(db_url, _write(tmp_path, [record]), progress=False)
    [ticket] = json.loads(await _export(db_url))
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
    minimal = {k: _record(9)[k] for k in ("ticket_id", "title", "category", "priority")}
    minimal |= {"status": "open", "location": "Bedford", "timestamp": "2024-11-25T14:30:00Z"}
    await import_tickets(db_url, _write(tmp_path, [minimal]), progress=False)
    [ticket] = json.loads(await _export(db_url))
    assert ticket["created_by"] == "import"
    assert ticket["submitted_by"] == "import"
    assert ticket["source"] == "manual"
    assert ticket["linked_thread"] is None
    assert ticket["linked_threads"] == []
    assert ticket["description"] == ""


# --- rejected files: nothing written ----------------------------------------------------


async def test_bad_record_rejects_whole_file(db: Database, db_url: str, tmp_path: Path) -> None:
    path = _write(tmp_path, [_record(1), _record(2), _record(3, priority="urgent"), _record(4)])
    with pytest.raises(ImportRejected) as caught:
        await import_tickets(db_url, path, progress=False)
    message = str(caught.value)
    assert "index 2" in message
    assert "T-3" in message
    assert "priority" in message and "urgent" in message
    assert await _count(db, TicketRow) == 0
    assert await _count(db, TicketEventRow) == 0
    assert await _count(db, TicketThreadRow) == 0
    async with db.unit_of_work() as session:  # the counter was not raised either
        ticket = await TicketService(session).create(_new_ticket())
    assert ticket.ticket_id == "T-1"


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"title": None}, "title"),
        ({"ticket_id": "30981"}, "ticket_id"),
        ({"ticket_id": "T-99999999999"}, "ticket_id"),
        ({"status": "closed"}, "status"),
        ({"category": "plumbing"}, "category"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"bay": 0}, "bay"),
        ({"title": "x" * 201}, "title"),
        ({"location": "  "}, "location"),
    ],
)
async def test_each_kind_of_bad_field_is_named(
    db: Database, db_url: str, tmp_path: Path, record: dict[str, Any], expected: str
) -> None:
    path = _write(tmp_path, [_record(1), _record(2, **record)])
    with pytest.raises(ImportRejected) as caught:
        await import_tickets(db_url, path, progress=False)
    assert "index 1" in str(caught.value)
    assert f"{expected}:" in str(caught.value)
    assert await _count(db, TicketRow) == 0


async def test_missing_field_is_named(db: Database, db_url: str, tmp_path: Path) -> None:
    record = _record(1)
    del record["location"]
    with pytest.raises(ImportRejected, match=r"index 0 \(ticket_id T-1\): location: required"):
        await import_tickets(db_url, _write(tmp_path, [record]), progress=False)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"ticket_id": "T-1"}', "JSON list"),
        ('"T-1"', "JSON list"),
        ('[{"ticket_id": "T-1",', "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", "expected a ticket object"),
    ],
)
async def test_file_that_is_not_a_list_of_objects_is_rejected(
    db: Database, db_url: str, tmp_path: Path, content: str, expected: str
) -> None:
    with pytest.raises(ImportRejected, match=expected):
        await import_tickets(db_url, _write(tmp_path, content), progress=False)
    assert await _count(db, TicketRow) == 0


async def test_repeated_ticket_id_in_file_is_rejected(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    path = _write(tmp_path, [_record(1), _record(2), _record(1, title="Other")])
    with pytest.raises(ImportRejected, match=r"index 2.*repeats the record at index 0"):
        await import_tickets(db_url, path, progress=False)
    assert await _count(db, TicketRow) == 0


async def test_unmigrated_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(ImportRejected, match="db upgrade"):
        await import_tickets(url, SEED_FILE, progress=False)


# --- export --------------------------------------------------------------------------


async def test_export_lists_every_status_oldest_first(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    records = [
        _record(3, status="archived", resolution_notes="done"),
        _record(1, status="on_hold", hold_reason="parts"),
        _record(2, status="in_progress", assigned_to="U0OP1"),
    ]
    await import_tickets(db_url, _write(tmp_path, records), progress=False)
    stream = io.StringIO()
    count = await export_tickets(db_url, "json", stream)
    exported = json.loads(stream.getvalue())
    assert count == 3
    assert [t["ticket_id"] for t in exported] == ["T-1", "T-2", "T-3"]
    assert [t["status"] for t in exported] == ["on_hold", "in_progress", "archived"]
    assert exported[0]["hold_reason"] == "parts"


async def test_csv_export(db: Database, db_url: str, tmp_path: Path) -> None:
    records = [_record(1, bay=2), _record(2, linked_threads=["C0X:1.2"])]
    await import_tickets(db_url, _write(tmp_path, records), progress=False)
    rows = list(csv.reader(io.StringIO(await _export(db_url, "csv"))))
    assert rows[0] == list(TICKET_JSON_KEYS)
    assert len(rows) == 3
    first = dict(zip(rows[0], rows[1], strict=True))
    second = dict(zip(rows[0], rows[2], strict=True))
    assert first["ticket_id"] == "T-1"
    assert first["bay"] == "2"
    assert first["assigned_to"] == ""
    assert first["learnable"] == "false"
    assert first["timestamp"] == records[0]["timestamp"]
    assert second["linked_threads"] == f"{records[1]['linked_thread']} C0X:1.2"


async def test_export_of_empty_database(db: Database, db_url: str) -> None:
    assert json.loads(await _export(db_url)) == []
    assert list(csv.reader(io.StringIO(await _export(db_url, "csv")))) == [list(TICKET_JSON_KEYS)]


# --- a larger file -----------------------------------------------------------------------


async def test_thousand_records(db: Database, db_url: str, tmp_path: Path) -> None:
    records = [_record(n) for n in range(1, 1001)]
    path = _write(tmp_path, records)
    started = time.monotonic()
    report = await import_tickets(db_url, path, progress=True)
    elapsed = time.monotonic() - started
    assert (report.imported, report.skipped) == (1000, 0)
    assert elapsed < 30, f"importing 1,000 tickets took {elapsed:.1f}s"
    exported = json.loads(await _export(db_url))
    assert [t["ticket_id"] for t in exported] == [f"T-{n}" for n in range(1, 1001)]
    assert {k: exported[499][k] for k in SEED_KEYS} == records[499]
    assert await _count(db, TicketEventRow) == 1000
    again = await import_tickets(db_url, path, progress=False)
    assert (again.imported, again.skipped) == (0, 1000)


# --- the command line ----------------------------------------------------------------


def _cli(db_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_cli_import_then_export(db: Database, db_url: str, tmp_path: Path) -> None:
    imported = _cli(db_url, tmp_path, "import", str(SEED_FILE))
    assert imported.returncode == 0, imported.stderr
    assert "Imported 1 tickets, skipped 0" in imported.stdout

    again = _cli(db_url, tmp_path, "import", str(SEED_FILE))
    assert again.returncode == 0, again.stderr
    assert "Imported 0 tickets, skipped 1" in again.stdout

    exported = _cli(db_url, tmp_path, "export", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    [ticket] = json.loads(exported.stdout)
    assert {key: ticket[key] for key in SEED_KEYS} == SEED

    as_csv = _cli(db_url, tmp_path, "export", "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows[0] == list(TICKET_JSON_KEYS)
    assert rows[1][0] == "T-30981"


async def test_cli_rejects_bad_file(db: Database, db_url: str, tmp_path: Path) -> None:
    path = _write(tmp_path, [_record(1), _record(2), _record(3, priority="urgent")])
    result = _cli(db_url, tmp_path, "import", str(path))
    assert result.returncode != 0
    assert "Nothing imported" in result.stderr
    assert "index 2" in result.stderr and "priority" in result.stderr
    assert await _count(db, TicketRow) == 0

    not_json = _cli(db_url, tmp_path, "import", str(_write(tmp_path, "nope", "bad.json")))
    assert not_json.returncode != 0
    assert "not valid JSON" in not_json.stderr
