"""Shared by the import and export tests: the seed file, ticket JSON records, files to
import, exports read back, row counts, and the command line run as a subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.tickets.transfer import export_tickets
from storage.db import Database
from tests.support.cli import run
from tests.support.paths import DATA, REPO

SEED_FILE = DATA / "seed_ticket.json"
SEED: dict[str, Any] = json.loads(SEED_FILE.read_text())[0]
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def ticket_record(number: int, **overrides: Any) -> dict[str, Any]:
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


def write_file(tmp_path: Path, data: Any, name: str = "tickets.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


async def export(db_url: str, fmt: str = "json") -> str:
    stream = io.StringIO()
    await export_tickets(db_url, fmt, stream)
    return stream.getvalue()


async def count_rows(db: Database, model: Any) -> int:
    async with db.unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def run_cli(db_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return run(args, env=env, cwd=cwd, timeout=120)
