"""Scheduled jobs' queries: claims on a job's period (one process wins each period) and the
tickets a maintenance job works on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_once
from storage.models import JobRunRow, TicketRow, utcnow


class JobRunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, job: str, period: str, claimed_by: str) -> bool:
        """Insert the claim unless the period is taken; True when this caller won it."""
        values = {"job": job, "period": period, "claimed_at": utcnow(), "claimed_by": claimed_by}
        return await insert_once(self.session, JobRunRow, ["job", "period"], values)

    async def claims(self, job: str) -> list[JobRunRow]:
        rows = await self.session.scalars(
            select(JobRunRow).where(JobRunRow.job == job).order_by(JobRunRow.id)
        )
        return list(rows)


async def resolved_before(session: AsyncSession, status: str, cutoff: datetime) -> list[str]:
    """Ids of tickets in `status` whose `resolved_at` lies before `cutoff`, oldest first."""
    rows = await session.scalars(
        select(TicketRow.ticket_id)
        .where(TicketRow.status == status, TicketRow.resolved_at < cutoff)
        .order_by(TicketRow.resolved_at)
    )
    return list(rows)
