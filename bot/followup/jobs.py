"""Claims on a scheduled job's period. Every `serve` process runs every job (APScheduler 3's
job stores do not coordinate), so a run first claims its period in the database: the
unique (job, period) key lets exactly one process win it, on SQLite and PostgreSQL alike.
Claim in the same unit of work as the job's effects and the claim and effects commit or
roll back together."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from enum import StrEnum

from storage.db import UnitOfWork
from storage.jobs import JobRunRepository

# A run can only start this late after its scheduled time (the scheduler's misfire grace);
# its period is looked for within this window.
MISFIRE_GRACE = timedelta(minutes=15)


class Job(StrEnum):
    DIGEST = "digest"
    SLA_CHECK = "sla_check"
    ARCHIVE = "archive"
    TRIAGE_RETRAIN = "triage_retrain"


def process_name() -> str:
    """Who claimed a period, for whoever reads the claims: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


async def claim(session: UnitOfWork, job: Job, period: str) -> bool:
    """True when this process won `period` of `job` (the claim commits with the session)."""
    return await JobRunRepository(session).claim(job.value, period, process_name())


def minute_period(moment: datetime) -> str:
    """A period named by its minute, with the UTC offset it was given in."""
    return moment.replace(second=0, microsecond=0).isoformat(timespec="minutes")


def day_period(moment: datetime) -> str:
    return moment.date().isoformat()
