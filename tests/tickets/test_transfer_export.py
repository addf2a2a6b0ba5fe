"""Exporting tickets (`clubos-tickets export --format json|csv`) on SQLite and on
PostgreSQL (the `db` / `db_url` fixtures), and import and export through the command
line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bot.tickets.ticket_json import SEED_KEYS, TICKET_JSON_KEYS
from bot.tickets.transfer import export_tickets, import_tickets
from storage.db import Database
from storage.models import TicketRow
from tests.tickets.transfer_files import (
    SEED,
    SEED_FILE,
    count_rows,
    export,
    run_cli,
    ticket_record,
    write_file,
)

# --- export --------------------------------------------------------------------------


async def test_export_lists_every_status_oldest_first(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    records = [
        ticket_record(3, status="archived", resolution_notes="done"),
        ticket_record(1, status="on_hold", hold_reason="parts"),
        ticket_record(2, status="in_progress", assigned_to="U0OP1"),
    ]
    await import_tickets(db_url, write_file(tmp_path, records), progress=False)
    stream = io.StringIO()
    count = await export_tickets(db_url, "json", stream)
    exported = json.loads(stream.getvalue())
    assert count == 3
    assert [t["ticket_id"] for t in exported] == ["T-1", "T-2", "T-3"]
    assert [t["status"] for t in exported] == ["on_hold", "in_progress", "archived"]
    assert exported[0]["hold_reason"] == "parts"


async def test_csv_export(db: Database, db_url: str, tmp_path: Path) -> None:
    records = [ticket_record(1, bay=2), ticket_record(2, linked_threads=["C0X:1.2"])]
    await import_tickets(db_url, write_file(tmp_path, records), progress=False)
    rows = list(csv.reader(io.StringIO(await export(db_url, "csv"))))
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
    assert json.loads(await export(db_url)) == []
    assert list(csv.reader(io.StringIO(await export(db_url, "csv")))) == [list(TICKET_JSON_KEYS)]


# --- the command line ----------------------------------------------------------------


async def test_cli_import_then_export(db: Database, db_url: str, tmp_path: Path) -> None:
    imported = run_cli(db_url, tmp_path, "import", str(SEED_FILE))
    assert imported.returncode == 0, imported.stderr
    assert "Imported 1 tickets, skipped 0" in imported.stdout

    again = run_cli(db_url, tmp_path, "import", str(SEED_FILE))
    assert again.returncode == 0, again.stderr
    assert "Imported 0 tickets, skipped 1" in again.stdout

    exported = run_cli(db_url, tmp_path, "export", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    [ticket] = json.loads(exported.stdout)
    assert {key: ticket[key] for key in SEED_KEYS} == SEED

    as_csv = run_cli(db_url, tmp_path, "export", "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows[0] == list(TICKET_JSON_KEYS)
    assert rows[1][0] == "T-30981"


async def test_cli_rejects_bad_file(db: Database, db_url: str, tmp_path: Path) -> None:
    path = write_file(
        tmp_path, [ticket_record(1), ticket_record(2), ticket_record(3, priority="urgent")]
    )
    result = run_cli(db_url, tmp_path, "import", str(path))
    assert result.returncode != 0
    assert "Nothing imported" in result.stderr
    assert "index 2" in result.stderr and "priority" in result.stderr
    assert await count_rows(db, TicketRow) == 0

    not_json = run_cli(db_url, tmp_path, "import", str(write_file(tmp_path, "nope", "bad.json")))
    assert not_json.returncode != 0
    assert "not valid JSON" in not_json.stderr
