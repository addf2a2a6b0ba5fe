"""Claims on a job's period: two claims of one period, one wins; several schedulers on one
database post each digest once, and retrain triage once a night."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.scheduler import build_scheduler
from bot.club import load_club_config
from bot.followup.jobs import Job, claim
from bot.presence import Presence, this_process
from bot.tickets.domain import Priority
from bot.triage import embedding
from bot.triage.embedding import load_embedder
from bot.triage.learning import TriageLearning
from bot.triage.local import build_local
from bot.triage.training import read_corpus
from delivery.sender import OutboxSender
from standin.slack_api import SlackStub
from storage.db import Database
from storage.jobs import JobRunRepository
from storage.triage_weights import TriageWeightsRepository
from tests.app.scheduler_support import DIGEST_TIME, add_ticket, fixed
from tests.support.app_harness import TEST_CONFIG
from tests.triage.learning_support import DISMISSED, dismiss, triaged_ticket

OPS = "C0OPS"


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

        sender = OutboxSender(
            databases[1], slack_stub.client(), Presence(databases[1], this_process())
        )
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


@pytest.mark.parametrize("db_url", ["postgresql", "sqlite"], indirect=True)
async def test_two_schedulers_on_one_database_retrain_triage_once_a_night(db_url: str) -> None:
    club = load_club_config(TEST_CONFIG)
    databases = [Database(db_url), Database(db_url)]
    embedder = load_embedder()
    assert embedder is not None
    await dismiss(databases[0], (await triaged_ticket(databases[0], DISMISSED[0])).ticket_id)
    learnings = [
        TriageLearning(d, build_local(embedder), corpus=lambda: read_corpus().examples[:30])
        for d in databases
    ]
    schedulers = [
        build_scheduler(d, club, clock=fixed(DIGEST_TIME), retrain=learning.retrain)
        for d, learning in zip(databases, learnings, strict=True)
    ]
    try:
        # Both processes' nightly runs at once (fitting takes seconds: no scheduler timeout).
        jobs = [s.get_job(Job.TRIAGE_RETRAIN.value) for s in schedulers]
        await asyncio.gather(*(job.func() for job in jobs))
        async with databases[0].unit_of_work() as session:
            claims = await JobRunRepository(session).claims(Job.TRIAGE_RETRAIN.value)
            stored = await TriageWeightsRepository(session).newest_id(embedding.model_id())
        assert len(claims) == 1 and stored is not None
        assert sorted(learning.local.stored_id or 0 for learning in learnings) == [0, stored]
    finally:
        for database in databases:
            await database.dispose()
