"""Tickets on the board for the browser tests: a realistic board across locations and
statuses (what the screenshots show), some opened a while ago so their SLA clocks show
the warning and breach colours."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from unittest import mock

from bot.tickets import service
from bot.tickets.domain import Category, Priority, Status, Ticket
from tests.handlers.helpers.command import add, quietly
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, Harness


@contextlib.contextmanager
def opened_ago(ago: timedelta) -> Iterator[None]:
    """Tickets made in the block are opened `ago` (their SLA deadlines with them)."""
    opened_at = service.utcnow() - ago
    with mock.patch.object(service, "utcnow", lambda: opened_at):
        yield


async def seed_board(h: Harness) -> dict[Status, Ticket]:
    """Five tickets in Bedford and Dartmouth, one in each working status and one resolved;
    the ticket that ends in each status."""
    async with quietly(h) as tickets:
        with opened_ago(timedelta(minutes=50)):  # 1 h to respond: the warning colour
            await add(
                tickets,
                "Bay 1 PC frozen on the login screen",
                bay=1,
                priority=Priority.HIGH,
                category=Category.TECH,
            )
        opened = await add(
            tickets, "Projector flickering", "Dartmouth", bay=5, category=Category.TECH
        )
        working = await add(tickets, "No balls in Bay 3", bay=3)
        with opened_ago(timedelta(minutes=70)):  # 1 h to resolve: breached
            held = await add(
                tickets,
                "TrackMan not tracking putts",
                "Dartmouth",
                bay=2,
                category=Category.TECH,
                priority=Priority.CRITICAL,
            )
        done = await add(tickets, "Front door code not working", priority=Priority.HIGH)
        changes = (
            (working, Status.IN_PROGRESS, {"assignee": OPERATOR}),
            (held, Status.ON_HOLD, {"hold_reason": "Waiting for TrackMan support"}),
            (done, Status.RESOLVED, {"resolution_notes": "Door controller rebooted"}),
        )
        moved = {Status.OPEN: opened}
        for ticket, status, inputs in changes:
            moved[status] = await tickets.change_status(
                ticket.ticket_id, status, actor=OTHER_OPERATOR, expected_version=None, **inputs
            )
    return moved
