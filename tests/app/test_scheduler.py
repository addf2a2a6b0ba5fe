"""The scheduler `serve` runs: its jobs and triggers, claims on a job's period, several
schedulers on one database posting each digest once, SLA checks through the scheduler's
job, and auto-archive of tickets resolved for 30 days."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.runtime import build_runtime
from app.scheduler import build_scheduler, cron_period, crontab_trigger, crontab_weekdays
from bot.club import ConfigError, load_club_config
from bot.followup.archive import archive_resolved
from bot.followup.jobs import Job, claim
from bot.tickets.domain import Category, Priority, Source, Status, Ticket, ticket_number
from bot.tickets.service import NewTicket, TicketService
from bot.tickets.usecases import TicketDraft
from delivery.sender import OutboxSender
from storage.db import Database
from storage.jobs import JobRunRepository
from storage.models import TicketRow
from tests.support.app_harness import OPERATOR, TEST_CONFIG, Harness, harness_settings
from tests.support.slack_stub import SlackStub

HALIFAX = ZoneInfo("America/Halifax")
OPS = "C0OPS"
# 08:00:05 in Halifax on a Thursday: the test config's digest ("0 8 * * *") has just fired.
DIGEST_TIME = datetime(2026, 11, 26, 8, 0, 5, tzinfo=HALIFAX).astimezone(UTC)


def fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


# --- triggers and periods ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", "*"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("0,6", "sun,sat"),
        ("5-7", "sun,fri,sat"),
        ("sat,SUN", "sun,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("mon-wed", "mon,tue,wed"),
    ],
)
def test_crontab_weekdays_keep_their_crontab_meaning(field: str, expected: str) -> None:
    assert crontab_weekdays(field) == expected


def test_a_weekday_schedule_fires_on_weekdays_in_the_configured_zone() -> None:
    trigger = crontab_trigger("0 8 * * 1-5", HALIFAX)
    saturday = datetime(2026, 11, 28, 12, tzinfo=HALIFAX)
    fire = trigger.get_next_fire_time(None, saturday)
    assert fire == datetime(2026, 11, 30, 8, tzinfo=HALIFAX)  # Monday, 08:00 Halifax
    assert fire.utcoffset() == timedelta(hours=-4)


@pytest.mark.parametrize("cron", ["61 8 * * *", "0 8 * * 8", "0 8 * * 5-1", "0 8 * *"])
def test_a_bad_schedule_is_a_config_error_naming_the_key(cron: str) -> None:
    with pytest.raises(ConfigError, match=r"digest\.cron"):
        crontab_trigger(cron, HALIFAX)


def test_every_run_of_one_tick_names_the_same_period() -> None:
    trigger = crontab_trigger("0 8 * * *", HALIFAX)
    on_time = cron_period(trigger, DIGEST_TIME)
    late = cron_period(trigger, DIGEST_TIME + timedelta(minutes=9, seconds=50))
    assert on_time == late == "2026-11-26T08:00-04:00"
    next_day = cron_period(trigger, DIGEST_TIME + timedelta(days=1))
    assert next_day == "2026-11-27T08:00-04:00"
    # Outside any tick (a run by hand): its own minute.
    assert cron_period(trigger, DIGEST_TIME + timedelta(hours=3)) == "2026-11-26T11:00-04:00"


async def test_the_scheduler_has_its_three_jobs() -> None:
    club = load_club_config(TEST_CONFIG)
    database = Database("sqlite+aiosqlite:///:memory:")
    scheduler = build_scheduler(database, club)
    scheduler.start()
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {Job.DIGEST.value, Job.SLA_CHECK.value, Job.ARCHIVE.value}
        for job in jobs.values():
            assert job.coalesce is True and job.max_instances == 1
        digest = jobs[Job.DIGEST.value]
        assert isinstance(digest.trigger, CronTrigger)
        assert digest.trigger.timezone == HALIFAX
        assert digest.next_run_time.astimezone(HALIFAX).hour == 8
        sla = jobs[Job.SLA_CHECK.value].trigger
        assert isinstance(sla, IntervalTrigger) and sla.interval == timedelta(minutes=1)
        assert isinstance(jobs[Job.ARCHIVE.value].trigger, CronTrigger)
    finally:
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)
        await database.dispose()


async def test_the_runtime_runs_the_scheduler_only_with_slack(
    slack_stub: SlackStub, db_url: str
) -> None:
    settings = harness_settings(slack_stub, db_url)
    without = build_runtime(settings, slack=False)
    await without.start()
    assert without.scheduler is None
    await without.stop()

    with_slack = build_runtime(settings)
    await with_slack.start()
    scheduler = with_slack.scheduler
    assert scheduler is not None and scheduler.running
    await with_slack.stop()
    await asyncio.sleep(0.05)
    assert with_slack.scheduler is None and not scheduler.running


# --- claims -------------------------------------------------------------------------------


async def test_two_claims_of_one_period_one_wins(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    try:

        async def try_claim(database: Database) -> bool:
            async with database.unit_of_work() as session:
                return await claim(session, Job.DIGEST, "C0OPS 2026-11-26T08:00-04:00")

        results = await asyncio.gather(try_claim(first), try_claim(second))
        assert sorted(results) == [False, True]
        assert await try_claim(first) is False
        async with first.unit_of_work() as session:
            assert await claim(session, Job.DIGEST, "C0OPS 2026-11-27T08:00-04:00") is True
            assert await claim(session, Job.ARCHIVE, "C0OPS 2026-11-26T08:00-04:00") is True
            rows = await JobRunRepository(session).claims(Job.DIGEST.value)
        assert [row.period for row in rows] == [
            "C0OPS 2026-11-26T08:00-04:00",
            "C0OPS 2026-11-27T08:00-04:00",
        ]
    finally:
        await first.dispose()
        await second.dispose()


async def add_ticket(database: Database, title: str, priority: Priority) -> Ticket:
    async with database.unit_of_work() as session:
        return await TicketService(session).create(
            NewTicket(
                title=title,
                category=Category.TECH,
                priority=priority,
                location="Bedford",
                bay=2,
                created_by="OperatorGPT",
                submitted_by="cust_1",
                source=Source.MESSAGE_THREAD,
            )
        )


async def fire_now(schedulers: list[AsyncIOScheduler], job_id: str) -> list[JobExecutionEvent]:
    """Make each scheduler run `job_id` now, as at its scheduled time; wait for every run."""
    loop = asyncio.get_running_loop()
    runs: list[JobExecutionEvent] = []
    done = asyncio.Event()

    def finished(event: JobExecutionEvent) -> None:
        if event.job_id == job_id:
            runs.append(event)
            if len(runs) == len(schedulers):
                loop.call_soon_threadsafe(done.set)

    for scheduler in schedulers:
        scheduler.add_listener(finished, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))
    await asyncio.wait_for(done.wait(), timeout=15)
    return runs


@pytest.mark.parametrize("db_url", ["postgresql", "sqlite"], indirect=True)
async def test_two_schedulers_on_one_database_post_one_digest(
    slack_stub: SlackStub, db_url: str
) -> None:
    club = load_club_config(TEST_CONFIG)
    databases = [Database(db_url), Database(db_url)]
    await add_ticket(databases[0], "TrackMan frozen", Priority.HIGH)
    # Two `serve` processes: each its own engine and scheduler, one clock.
    schedulers = [build_scheduler(d, club, clock=fixed(DIGEST_TIME)) for d in databases]
    for scheduler in schedulers:
        scheduler.start()
    try:
        runs = await fire_now(schedulers, Job.DIGEST.value)
        assert [run.exception for run in runs] == [None, None]
        # And once more, both directly: the tick is claimed already.
        jobs = [s.get_job(Job.DIGEST.value) for s in schedulers]
        await asyncio.gather(*(job.func() for job in jobs))

        sender = OutboxSender(databases[1], slack_stub.client())
        assert await sender.drain() == 2  # the message and its chart
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=False)
        await asyncio.sleep(0)
        for database in databases:
            await database.dispose()

    posts = [c for c in slack_stub.calls("chat.postMessage") if c["channel"] == OPS]
    assert len(posts) == 1
    assert "*Bedford* — 1 open" in posts[0]["blocks"][-1]["text"]["text"]
    assert len(slack_stub.calls("files.completeUploadExternal")) == 1


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
