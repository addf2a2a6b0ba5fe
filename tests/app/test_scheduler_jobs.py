"""The scheduler's SLA and archive jobs: SLA checks through the job warn once across
ticks; auto-archive takes tickets resolved for 30 days, once a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.scheduler import build_scheduler
from bot.followup.archive import archive_resolved
from bot.followup.jobs import Job
from bot.tickets.domain import Category, Priority, Status, Ticket, TicketDraft, ticket_number
from storage.models import TicketRow
from tests.app.scheduler_support import add_ticket, fixed
from tests.support.app_harness import OPERATOR, Harness

# --- SLA checks through the scheduler's job -----------------------------------------------


async def test_the_sla_job_warns_once_across_two_ticks(harness: Harness) -> None:
    ticket = await add_ticket(harness.runtime.database, "Projector dead", Priority.HIGH)
    club = harness.runtime.settings.club
    wake = harness.runtime.sender.wake
    # 50 of the 60 minutes to a first response: past the 75% warning.
    at = ticket.timestamp + timedelta(minutes=50)
    scheduler = build_scheduler(harness.runtime.database, club, wake, clock=fixed(at))
    job = scheduler.get_job(Job.SLA_CHECK.value)

    await job.func()
    await harness.settle()
    await job.func()
    await harness.settle()

    warnings = [
        c
        for c in harness.stub.calls("chat.postMessage")
        if ticket.ticket_id in str(c.get("text")) and "SLA warning" in str(c.get("text"))
    ]
    assert len(warnings) == 1
    assert warnings[0]["channel"] == "C0TECH"


# --- auto-archive ---------------------------------------------------------------------------


async def resolved_ticket(h: Harness, title: str, days_ago: int) -> Ticket:
    operations = h.runtime.operations
    ticket = await operations.create(
        OPERATOR,
        TicketDraft(
            title=title, category=Category.FACILITIES, priority=Priority.LOW, location="Bedford"
        ),
    )
    await operations.change_status(
        OPERATOR, ticket.ticket_id, Status.RESOLVED, resolution_notes="fixed"
    )
    async with h.runtime.database.unit_of_work() as session:
        row = await session.get(TicketRow, ticket_number(ticket.ticket_id))
        assert row is not None and row.resolved_at is not None
        row.resolved_at -= timedelta(days=days_ago)
    await h.settle()
    return await h.ticket(ticket.ticket_id)


async def test_auto_archive_takes_tickets_resolved_over_30_days_ago(harness: Harness) -> None:
    old = await resolved_ticket(harness, "Old leak", 31)
    recent = await resolved_ticket(harness, "Recent leak", 29)
    updates_before = len(harness.stub.calls("chat.update"))
    runtime = harness.runtime

    archived = await archive_resolved(
        runtime.database, runtime.settings.club, datetime.now(UTC), runtime.sender.wake
    )
    await harness.settle()

    assert archived == [old.ticket_id]
    assert (await harness.ticket(old.ticket_id)).status == Status.ARCHIVED
    assert (await harness.ticket(recent.ticket_id)).status == Status.RESOLVED
    history = await runtime.operations.history(old.ticket_id)
    last = history.events[-1]
    assert last.actor == "scheduler"
    assert last.changes["status"] == ["resolved", "archived"]
    # Its card in the routed channel now says so.
    updates = harness.stub.calls("chat.update")[updates_before:]
    assert updates and all(old.ticket_id in str(u.get("text")) for u in updates)
    assert "archived" in str(updates[-1].get("text"))


async def test_the_archive_job_runs_once_a_day(harness: Harness) -> None:
    runtime = harness.runtime
    first = await resolved_ticket(harness, "Old leak", 40)
    now = datetime.now(UTC)
    scheduler = build_scheduler(
        runtime.database, runtime.settings.club, runtime.sender.wake, clock=fixed(now)
    )
    job = scheduler.get_job(Job.ARCHIVE.value)

    await job.func()
    assert (await harness.ticket(first.ticket_id)).status == Status.ARCHIVED
    # Later the same day (another process, another tick): the day is claimed already.
    second = await resolved_ticket(harness, "Another old leak", 40)
    await job.func()
    assert (await harness.ticket(second.ticket_id)).status == Status.RESOLVED
    # The next day it runs again.
    next_day = build_scheduler(
        runtime.database, runtime.settings.club, clock=fixed(now + timedelta(days=1))
    )
    await next_day.get_job(Job.ARCHIVE.value).func()
    assert (await harness.ticket(second.ticket_id)).status == Status.ARCHIVED
    await harness.settle()
