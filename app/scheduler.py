"""The jobs `serve` runs on a schedule (APScheduler 3, in the service's event loop):

- the digest of open tickets, on the configured cron schedule and time zone;
- SLA checks, every minute;
- auto-archive of tickets resolved for 30 days, daily;
- retraining the local triage model on operators' decisions, nightly, when they changed.

Every process runs every job; a digest run claims its cron tick and an archive run its day
in the database first (bot.followup.jobs), so several processes post each digest once. SLA notices
are unique per ticket, clock and level on their own (bot.followup.sla.notices)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.club import ClubConfig, ConfigError
from bot.followup.archive import archive_resolved
from bot.followup.digest import post_digest
from bot.followup.jobs import MISFIRE_GRACE, Job, claim, day_period, minute_period
from bot.followup.sla.notices import check_slas
from storage.db import Database
from storage.models import utcnow

log = logging.getLogger("clubos.scheduler")

SLA_INTERVAL = timedelta(minutes=1)
ARCHIVE_AT = {"hour": 3, "minute": 30}  # local time, before the morning digest
RETRAIN_AT = {"hour": 2, "minute": 45}  # local time, when fewest customers write
# Every job: runs missed while the loop was busy run once between them, and only within the
# misfire grace; never two runs of one job at once.
JOB_DEFAULTS: dict[str, Any] = {
    "coalesce": True,
    "max_instances": 1,
    "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
}

# Crontab numbers weekdays from Sunday (0 or 7); APScheduler 3 from Monday (0), so
# `from_crontab("0 8 * * 1-5")` would mean Tuesday to Saturday. Names mean the same in both.
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _day_number(token: str) -> int:
    """A crontab weekday (0-7, or a name) as 0-7 with Sunday 0 (and 7)."""
    token = token.strip().lower()
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token)
    if token[:3] in _DAY_NAMES and len(token) == 3:
        return _DAY_NAMES.index(token[:3])
    raise ValueError(f"{token!r} is not a day of the week (0-7 or sun..sat)")


def crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field with crontab's meaning, written for APScheduler 3 as
    day names: "1-5" -> "mon,tue,wed,thu,fri", "0" and "7" -> "sun", "*/2" -> every other
    day from Sunday."""
    if field == "*":
        return field
    days: set[int] = set()
    for item in field.split(","):
        body, slash, step_text = item.partition("/")
        step = int(step_text) if slash else 1
        if step < 1:
            raise ValueError(f"step {step_text!r} must be at least 1")
        if body == "*":
            first, last = 0, 6
        elif "-" in body:
            start, end = body.split("-", 1)
            first, last = _day_number(start), _day_number(end)
        else:
            first = _day_number(body)
            last = 7 if slash else first
        if last < first:
            raise ValueError(f"range {body!r} runs backwards")
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_DAY_NAMES[day] for day in sorted(days))


def crontab_trigger(expression: str, zone: ZoneInfo) -> CronTrigger:
    """The trigger for a standard 5-field crontab expression in `zone`; a ConfigError
    naming `digest.cron` when APScheduler cannot read it."""
    fields = expression.split()
    try:
        if len(fields) != 5:
            raise ValueError(f"needs 5 fields, found {len(fields)}")
        fields[4] = crontab_weekdays(fields[4])
        trigger: CronTrigger = CronTrigger.from_crontab(" ".join(fields), timezone=zone)
    except ValueError as exc:
        raise ConfigError(f"digest.cron: {expression!r} is not a valid schedule: {exc}") from None
    return trigger


def cron_period(trigger: CronTrigger, now: datetime) -> str:
    """The cron tick a run at `now` belongs to: the latest fire time at or before `now`
    within the misfire grace (a later run never happens). Every process firing the same
    tick names the same period; a run started by hand names its own minute."""
    latest: datetime | None = None
    fire: datetime | None = trigger.get_next_fire_time(None, now - MISFIRE_GRACE)
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire)
    return minute_period(latest or now.astimezone(trigger.timezone))


async def archive_once_a_day(
    database: Database,
    club: ClubConfig,
    now: datetime,
    zone: ZoneInfo,
    wake: Callable[[], None] | None,
) -> None:
    """Auto-archive, once per day of `zone` however many processes run it: the run that
    claims the day archives."""
    async with database.unit_of_work() as session:
        won = await claim(session, Job.ARCHIVE, day_period(now.astimezone(zone)))
    if won:
        await archive_resolved(database, club, now, wake)


Retrain = Callable[[], Awaitable[object]]


async def retrain_once_a_night(
    database: Database, retrain: Retrain, now: datetime, zone: ZoneInfo
) -> None:
    """Retrain triage once per night of `zone` however many processes run it (the run that
    claims the day; `retrain` itself skips when nothing new was learned)."""
    async with database.unit_of_work() as session:
        won = await claim(session, Job.TRIAGE_RETRAIN, day_period(now.astimezone(zone)))
    if won:
        await retrain()


def build_scheduler(
    database: Database,
    club: ClubConfig,
    wake: Callable[[], None] | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
    retrain: Retrain | None = None,
) -> AsyncIOScheduler:
    """The scheduler with its jobs, not started: call `start()` inside the running event
    loop, and `shutdown(wait=False)` to stop. `clock` is the jobs' idea of now."""
    zone = ZoneInfo(club.digest.timezone)
    digest_trigger = crontab_trigger(club.digest.cron, zone)
    scheduler = AsyncIOScheduler(timezone=zone, job_defaults=JOB_DEFAULTS)

    async def digest() -> None:
        now = clock()
        await post_digest(database, club, now, wake, period=cron_period(digest_trigger, now))

    async def sla_check() -> None:
        await check_slas(database, club, clock(), wake)

    async def archive() -> None:
        await archive_once_a_day(database, club, clock(), zone, wake)

    scheduler.add_job(digest, digest_trigger, id=Job.DIGEST.value, name="open tickets digest")
    scheduler.add_job(
        sla_check,
        IntervalTrigger(seconds=int(SLA_INTERVAL.total_seconds()), timezone=zone),
        id=Job.SLA_CHECK.value,
        name="SLA checks",
    )
    scheduler.add_job(
        archive,
        CronTrigger(**ARCHIVE_AT, timezone=zone),
        id=Job.ARCHIVE.value,
        name="auto-archive",
    )
    if retrain is not None:
        _add_retrain(scheduler, database, retrain, clock, zone)
    return scheduler


def _add_retrain(
    scheduler: AsyncIOScheduler,
    database: Database,
    retrain: Retrain,
    clock: Callable[[], datetime],
    zone: ZoneInfo,
) -> None:
    """The nightly triage retrain (given when the local model is loaded)."""

    async def retrain_triage() -> None:
        await retrain_once_a_night(database, retrain, clock(), zone)

    scheduler.add_job(
        retrain_triage,
        CronTrigger(**RETRAIN_AT, timezone=zone),
        id=Job.TRIAGE_RETRAIN.value,
        name="triage retrain",
    )
