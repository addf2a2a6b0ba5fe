"""What the digest tests share: tickets made for a digest, the runtime's own digest job,
the digest posts the Slack stub saw, and the size of an uploaded PNG."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime
from typing import Any

from bot.followup.jobs import Job
from bot.followup.recurrence import check_recurrence
from bot.tickets.domain import Category, Priority, Source, Ticket, TicketDraft
from bot.tickets.notices import Notifier
from bot.tickets.service import TicketService
from standin.slack_api import Call, SlackStub
from tests.support.app_harness import OPERATOR, Harness

AI = "OperatorGPT"
OPS = "C0OPS"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def as_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's first chunk, which must be IHDR."""
    assert data[:8] == PNG_SIGNATURE
    _length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


async def new_ticket(
    h: Harness,
    title: str,
    priority: Priority,
    location: str = "Bedford",
    bay: int | None = None,
    *,
    responded: bool = False,
    problem_key: str | None = None,
) -> Ticket:
    async with h.runtime.database.unit_of_work() as session:
        tickets = TicketService(session)
        ticket = await tickets.create(
            TicketDraft(
                title=title,
                category=Category.TECH,
                priority=priority,
                location=location,
                bay=bay,
                customer="cust_1",
                problem_key=problem_key,
            ),
            actor=OPERATOR if responded else AI,
            source=Source.MESSAGE_THREAD,
            responded=responded,
        )
        if problem_key is not None:
            notify = Notifier(session, h.runtime.operations.routed_channel, h.runtime.sender.wake)
            await check_recurrence(tickets, notify, ticket, datetime.now(UTC), actor=AI)
        return ticket


async def run_digest_job(h: Harness) -> None:
    """What the scheduler does at the configured time: the runtime's own digest job."""
    scheduler = h.runtime.scheduler
    assert scheduler is not None and scheduler.running
    await scheduler.get_job(Job.DIGEST.value).func()
    await h.settle()


def digest_posts(stub: SlackStub) -> list[Call]:
    return [
        c
        for c in stub.calls("chat.postMessage")
        if c["channel"] == OPS and "Open tickets digest" in str(c.get("text"))
    ]
