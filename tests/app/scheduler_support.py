"""What the scheduler tests share: the test config's zone and digest time, a fixed clock,
and a ticket made straight through the ticket service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.tickets.domain import Category, Priority, Source, Ticket, TicketDraft
from bot.tickets.service import TicketService
from storage.db import Database

HALIFAX = ZoneInfo("America/Halifax")
# 08:00:05 in Halifax on a Thursday: the test config's digest ("0 8 * * *") has just fired.
DIGEST_TIME = datetime(2026, 11, 26, 8, 0, 5, tzinfo=HALIFAX).astimezone(UTC)


def fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


async def add_ticket(database: Database, title: str, priority: Priority) -> Ticket:
    async with database.unit_of_work() as session:
        return await TicketService(session).create(
            TicketDraft(
                title=title,
                category=Category.TECH,
                priority=priority,
                location="Bedford",
                bay=2,
                customer="cust_1",
            ),
            actor="OperatorGPT",
            source=Source.MESSAGE_THREAD,
        )
