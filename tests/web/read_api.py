"""The read API as its tests drive it: an HTTP client on the app `serve` builds, tickets
seeded from specs, and the check of the contract's ticket JSON."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from pydantic import SecretStr

from app.runtime import build_runtime
from app.settings import Settings
from bot.tickets.domain import Category, Priority, Source, Status, ThreadRef, TicketDraft
from bot.tickets.service import TicketService
from bot.tickets.ticket_json import EXTRA_KEYS, SEED_KEYS
from storage.db import Database

TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
OP1, OP2 = "U0OP1", "U0OP2"
RELAY = "C0RELAY"
TICKET_KEYS = [*SEED_KEYS, *EXTRA_KEYS]
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$")
THREAD = re.compile(r"^[A-Z0-9]+:\d+\.\d+$")

F, T = Category.FACILITIES, Category.TECH
LOW, MED, HIGH, CRIT = Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.CRITICAL
OPEN, PROG, HOLD = Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD
RESOLVED, ARCHIVED = Status.RESOLVED, Status.ARCHIVED


@asynccontextmanager
async def api_client(
    database_url: str, token: str | None = TOKEN
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the ASGI app that `serve` would serve for these settings."""
    settings = Settings(
        _env_file=None,
        api_token=SecretStr(token) if token is not None else None,
        database_url=database_url,
        slack_bot_token=None,
    )
    runtime = build_runtime(settings, slack=False)
    transport = httpx.ASGITransport(app=runtime.asgi)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield client
    finally:
        await runtime.database.dispose()


# --- seeding -------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    category: Category
    priority: Priority
    location: str
    status: Status
    assignee: str | None = None
    bay: int | None = None
    threads: int = 1  # linked threads: 0, 1 or 2


# Ticket n is SPECS[n - 1].
SPECS = [
    Spec(F, LOW, "Bedford", OPEN, None, bay=1),  # 1
    Spec(T, HIGH, "Truro", PROG, OP1, threads=2),  # 2
    Spec(T, CRIT, "Bedford", HOLD, None, bay=2, threads=0),  # 3
    Spec(F, MED, "Truro", RESOLVED, OP2),  # 4
    Spec(T, LOW, "Bedford", OPEN, OP2),  # 5
    Spec(F, HIGH, "Dartmouth", ARCHIVED, OP1),  # 6
    Spec(T, MED, "Truro", OPEN, None, threads=0),  # 7
    Spec(F, CRIT, "Bedford", PROG, OP2),  # 8
    Spec(T, HIGH, "Dartmouth", RESOLVED, None),  # 9
    Spec(F, LOW, "Truro", HOLD, OP1, threads=2),  # 10
]


def thirty() -> list[Spec]:
    cats, pris = [F, T], [LOW, MED, HIGH, CRIT]
    return [
        Spec(cats[n % 2], pris[n % 4], ["Bedford", "Truro", "Dartmouth"][n % 3], OPEN)
        for n in range(30)
    ]


async def seed(db: Database, specs: Sequence[Spec]) -> list[str]:
    """Create one ticket per spec (numbered in order, oldest first); returns their ids."""
    ids: list[str] = []
    async with db.unit_of_work() as session:
        service = TicketService(session)
        for n, spec in enumerate(specs, 1):
            tid = (
                await service.create(
                    _new_ticket(n, spec),
                    actor="OperatorGPT",
                    source=Source.MESSAGE_THREAD if spec.threads else Source.MANUAL,
                )
            ).ticket_id
            if spec.threads > 1:
                await service.link_thread(
                    tid, ThreadRef("C0TECH", f"1732559999.{n:06d}"), actor=OP1
                )
            await _bring_to_status(service, tid, spec.status)
            ids.append(tid)
    return ids


def _new_ticket(n: int, spec: Spec) -> TicketDraft:
    return TicketDraft(
        title=f"Ticket {n}",
        description=f"Description {n}",
        category=spec.category,
        priority=spec.priority,
        location=spec.location,
        customer=f"cust-{n}",
        bay=spec.bay,
        assignee=spec.assignee,
        decided_by="rules",
        thread=ThreadRef(RELAY, f"1732550000.{n:06d}") if spec.threads else None,
    )


async def _bring_to_status(service: TicketService, tid: str, status: Status) -> None:
    if status in (Status.RESOLVED, Status.ARCHIVED):
        await service.resolve(tid, "Fixed it", actor=OP1, expected_version=None)
    if status == Status.ARCHIVED:
        await service.change_status(tid, Status.ARCHIVED, actor=OP1, expected_version=None)
    elif status == Status.ON_HOLD:
        await service.change_status(
            tid, Status.ON_HOLD, actor=OP1, expected_version=None, hold_reason="Part"
        )
    elif status == Status.IN_PROGRESS:
        await service.change_status(tid, Status.IN_PROGRESS, actor=OP1, expected_version=None)


def numbered(ids: Sequence[str], numbers: Sequence[int]) -> list[str]:
    return [ids[n - 1] for n in numbers]


# --- the contract's ticket JSON --------------------------------------------------------


def check_ticket_json(ticket: dict[str, Any]) -> None:
    """Exactly the seed keys then the fixed extras, each of the contract's type."""
    assert list(ticket) == TICKET_KEYS, ticket
    assert re.fullmatch(r"T-\d+", ticket["ticket_id"])
    for key in ("created_by", "submitted_by", "title", "description", "location"):
        assert isinstance(ticket[key], str), key
    assert ticket["source"] in {s.value for s in Source}
    assert ticket["category"] in {c.value for c in Category}
    assert ticket["priority"] in {p.value for p in Priority}
    assert ticket["status"] in {s.value for s in Status}
    for key in ("timestamp", "updated_at"):
        assert ISO_Z.match(ticket[key]), (key, ticket[key])
        datetime.fromisoformat(ticket[key])
    assert ticket["resolved_at"] is None or ISO_Z.match(ticket["resolved_at"])
    for key in ("assigned_to", "resolution_notes", "hold_reason", "decided_by"):
        assert ticket[key] is None or isinstance(ticket[key], str), key
    assert ticket["bay"] is None or type(ticket["bay"]) is int
    assert type(ticket["learnable"]) is bool
    threads = ticket["linked_threads"]
    assert isinstance(threads, list) and all(THREAD.match(t) for t in threads)
    assert ticket["linked_thread"] == (threads[0] if threads else None)
