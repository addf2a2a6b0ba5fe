"""The scheduler `serve` runs: its triggers (crontab weekdays, the configured zone), the
period a run belongs to, its three jobs, and that the runtime runs it only with Slack."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.runtime import build_runtime
from app.scheduler import build_scheduler, cron_period, crontab_trigger, crontab_weekdays
from bot.club import ConfigError, load_club_config
from bot.followup.jobs import Job
from standin.slack_api import SlackStub
from storage.db import Database
from tests.app.scheduler_support import DIGEST_TIME, HALIFAX
from tests.support.app_harness import TEST_CONFIG, harness_settings


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
