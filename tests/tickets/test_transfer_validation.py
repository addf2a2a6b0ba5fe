"""Import files that are refused (on SQLite and on PostgreSQL, the `db` / `db_url`
fixtures): one bad record rejects the whole file, each problem named with its record, and
nothing is written, the ticket counter included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.tickets.transfer import ImportRejected, import_tickets
from storage.db import Database
from storage.models import TicketEventRow, TicketRow, TicketThreadRow
from tests.tickets.helpers import create
from tests.tickets.transfer_files import SEED_FILE, count_rows, ticket_record, write_file


async def test_bad_record_rejects_whole_file(db: Database, db_url: str, tmp_path: Path) -> None:
    path = write_file(
        tmp_path,
        [ticket_record(1), ticket_record(2), ticket_record(3, priority="urgent"), ticket_record(4)],
    )
    with pytest.raises(ImportRejected) as caught:
        await import_tickets(db_url, path, progress=False)
    message = str(caught.value)
    assert "index 2" in message
    assert "T-3" in message
    assert "priority" in message and "urgent" in message
    assert await count_rows(db, TicketRow) == 0
    assert await count_rows(db, TicketEventRow) == 0
    assert await count_rows(db, TicketThreadRow) == 0
    ticket = await create(db)  # the counter was not raised either
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
    path = write_file(tmp_path, [ticket_record(1), ticket_record(2, **record)])
    with pytest.raises(ImportRejected) as caught:
        await import_tickets(db_url, path, progress=False)
    assert "index 1" in str(caught.value)
    assert f"{expected}:" in str(caught.value)
    assert await count_rows(db, TicketRow) == 0


async def test_missing_field_is_named(db: Database, db_url: str, tmp_path: Path) -> None:
    record = ticket_record(1)
    del record["location"]
    with pytest.raises(ImportRejected, match=r"index 0 \(ticket_id T-1\): location: required"):
        await import_tickets(db_url, write_file(tmp_path, [record]), progress=False)


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
        await import_tickets(db_url, write_file(tmp_path, content), progress=False)
    assert await count_rows(db, TicketRow) == 0


async def test_repeated_ticket_id_in_file_is_rejected(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    path = write_file(
        tmp_path, [ticket_record(1), ticket_record(2), ticket_record(1, title="Other")]
    )
    with pytest.raises(ImportRejected, match=r"index 2.*repeats the record at index 0"):
        await import_tickets(db_url, path, progress=False)
    assert await count_rows(db, TicketRow) == 0


async def test_unmigrated_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(ImportRejected, match="db upgrade"):
        await import_tickets(url, SEED_FILE, progress=False)
