"""What the system-event tests share: building and sending a monitoring body to
POST /api/system-events, reading the answer, and looking at what it left behind (stored
events, Slack posts, monitoring's notes). Event times are explicit (`occurred_at`, minutes
after T0), so the windows need no waiting."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from bot.tickets.domain import Status
from bot.tickets.service import TicketService
from storage.models import InboxEventRow
from tests.support.app_harness import OPERATOR, Harness

TOKEN = "ev3nts-t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PATH = "/api/system-events"
T0 = datetime(2025, 3, 1, 22, 0, tzinfo=UTC)
TECH, FAC, OPS = "C0TECH", "C0FAC", "C0OPS"  # the test config's channels
ANSWER_KEYS = {"decision", "ticket_id", "duplicate"}

_ids = itertools.count(1)


def body(
    event: str,
    *,
    bay: int | None = None,
    minutes: float = 0,
    location: str = "Bedford",
    event_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": event_id or f"evt-{next(_ids)}",
        "location": location,
        "event": event,
        "device": None,
        "bay": bay,
        "occurred_at": (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z"),
        "source": "unifi-monitor",
        **extra,
    }


async def send(h: Harness, event: str, **kwargs: Any) -> httpx.Response:
    return await h.http.post(PATH, json=body(event, **kwargs), headers=AUTH)


def answer(response: httpx.Response) -> tuple[int, str, str | None, bool]:
    data = response.json()
    assert data.keys() >= ANSWER_KEYS, data
    return response.status_code, data["decision"], data["ticket_id"], data["duplicate"]


async def stored_events(h: Harness) -> int:
    async with h.runtime.database.unit_of_work() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(InboxEventRow)
            .where(InboxEventRow.kind == "system_event")
        )
    return int(count or 0)


def posts(h: Harness, channel: str) -> list[Any]:
    return [c for c in h.stub.calls("chat.postMessage") if c["channel"] == channel]


def top_level_posts(h: Harness, channel: str) -> list[Any]:
    return [c for c in posts(h, channel) if not c.get("thread_ts")]


def suggestions(h: Harness) -> list[Any]:
    return [
        c
        for c in h.stub.calls("chat.postMessage")
        if "ticket_accept_close" in json.dumps(c.get("blocks") or [])
    ]


async def notes(h: Harness, ticket_id: str) -> list[str]:
    async with h.runtime.database.unit_of_work() as session:
        trail = await TicketService(session).events(ticket_id)
    return [e.note or "" for e in trail if e.action == "note" and e.actor == "monitoring"]


async def resolve(h: Harness, ticket_id: str, resolution_notes: str) -> None:
    """An operator resolves the ticket (as the Slack buttons would)."""
    async with h.runtime.database.unit_of_work() as session:
        await TicketService(session).change_status(
            ticket_id,
            Status.RESOLVED,
            actor=OPERATOR,
            expected_version=None,
            resolution_notes=resolution_notes,
        )
