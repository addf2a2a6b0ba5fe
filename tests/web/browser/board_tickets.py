"""Tickets on the board for the browser tests: a realistic board across locations and
statuses (what the screenshots show), some opened a while ago so their SLA clocks show
the warning and breach colours."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.tickets.domain import Category, Priority, Status, Ticket
from storage.models import TicketRow
from tests.handlers.helpers.command import add, quietly
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, Harness


async def opened_ago(h: Harness, ticket: Ticket, ago: timedelta) -> None:
    """Move the ticket's opening `ago` into the past, its SLA deadlines with it."""
    async with h.runtime.database.unit_of_work() as session:
        await session.execute(
            update(TicketRow)
            .where(TicketRow.ticket_id == ticket.ticket_id)
            .values(
                created_at=ticket.timestamp - ago,
                response_due_at=ticket.response_due_at and ticket.response_due_at - ago,
                resolution_due_at=ticket.resolution_due_at and ticket.resolution_due_at - ago,
            )
        )


async def seed_board(h: Harness) -> dict[Status, Ticket]:
    """Five tickets in Bedford and Dartmouth, one in each working status and one resolved;
    the ticket that ends in each status."""
    async with quietly(h) as tickets:
        frozen = await add(
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
    await opened_ago(h, frozen, timedelta(minutes=50))  # 1 h to respond: the warning colour
    await opened_ago(h, held, timedelta(minutes=70))  # 1 h to resolve: breached
    return moved
