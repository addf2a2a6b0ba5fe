"""Auto-archive: tickets resolved more than 30 days ago are archived by the scheduler,
each in a unit of work of its own, through the ticket service (status machine and audit)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.club import ClubConfig
from bot.tickets.domain import Status, TicketError
from bot.tickets.notices import Notifier
from bot.tickets.service import TicketService
from storage.db import Database
from storage.jobs import resolved_before

log = logging.getLogger("clubos.archive")

ARCHIVE_AFTER = timedelta(days=30)
ACTOR = "scheduler"


async def archive_resolved(
    database: Database, club: ClubConfig, now: datetime, wake: Callable[[], None] | None = None
) -> list[str]:
    """Archive every ticket resolved before `now - ARCHIVE_AFTER`; returns their ids.

    A ticket reopened (or re-resolved) since the list was read is left alone: each one is
    checked again inside its own unit of work, and changed only at the version checked.
    """
    cutoff = now - ARCHIVE_AFTER
    async with database.unit_of_work() as session:
        due = await resolved_before(session, Status.RESOLVED.value, cutoff)
    archived: list[str] = []
    for ticket_id in due:
        try:
            async with database.unit_of_work() as session:
                tickets = TicketService(session)
                ticket = await tickets.get(ticket_id)
                if ticket.status != Status.RESOLVED or not (
                    ticket.resolved_at and ticket.resolved_at < cutoff
                ):
                    continue
                ticket = await tickets.change_status(
                    ticket_id, Status.ARCHIVED, actor=ACTOR, expected_version=ticket.version
                )
                notify = Notifier(session, lambda t: club.routing.channel_for(t.category), wake)
                notify.refresh_cards(ticket)
        except TicketError as exc:  # changed by someone else meanwhile: next time, maybe
            log.info("archive.skipped", extra={"ticket_id": ticket_id, "reason": exc.message})
            continue
        archived.append(ticket_id)
    if archived:
        log.info("archive.done", extra={"archived": len(archived)})
    return archived
