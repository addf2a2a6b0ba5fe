"""The SLA checker, run by the scheduler every minute (the levels and deadlines it
applies are bot.followup.sla.levels): for every open ticket and each running clock (first
response until an operator acts, resolution until resolved), a warning at 75% of the time,
an alert at 90% and, on breach, an escalation. Each is sent once per ticket and clock: a
notice is recorded (unique ticket + clock + level) and queued in one unit of work, so two
ticks or two processes never send it twice, and a crash never records one without queueing
it.

A ticket found past several levels at once (the first check after a downtime) gets only
the highest; the lower ones are recorded as sent, not posted."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.club import ClubConfig
from bot.followup.sla.levels import SERVICE_LEVELS, THRESHOLDS, Clock, Level, reached
from bot.tickets.domain import Ticket, TicketNotFound
from bot.tickets.notices import Notifier
from bot.tickets.rows import to_ticket
from bot.tickets.service import TicketService
from bot.tickets.status import OPEN_STATUSES, OPEN_VALUES
from storage.db import Database
from storage.sla import SlaRepository

log = logging.getLogger("clubos.sla")

# Lowest first: the order levels are reached in.
LEVELS = tuple(level for level, _share in reversed(THRESHOLDS))

CLOCK_TEXT = {Clock.RESPONSE: "First response", Clock.RESOLUTION: "Resolution"}
LEVEL_TEXT = {
    Level.WARNING: (":hourglass_flowing_sand:", "SLA warning"),
    Level.ALERT: (":warning:", "SLA alert"),
    Level.BREACH: (":rotating_light:", "SLA breached"),
}


@dataclass(frozen=True)
class Due:
    """A clock that has reached `level` at the time of the check."""

    ticket: Ticket
    clock: Clock
    level: Level
    due_at: datetime


def running_clocks(ticket: Ticket) -> list[tuple[Clock, datetime]]:
    """The clocks still running on an open ticket, with their deadlines."""
    clocks: list[tuple[Clock, datetime]] = []
    if ticket.response_due_at is not None and ticket.first_response_at is None:
        clocks.append((Clock.RESPONSE, ticket.response_due_at))
    if ticket.resolution_due_at is not None and ticket.resolved_at is None:
        clocks.append((Clock.RESOLUTION, ticket.resolution_due_at))
    return clocks


def due_notices(ticket: Ticket, now: datetime, sent: dict[str, set[str]]) -> list[Due]:
    """The notice each running clock needs now: its highest level reached, unless sent."""
    notices: list[Due] = []
    if ticket.status not in OPEN_STATUSES:
        return notices
    for clock, due_at in running_clocks(ticket):
        level = reached(ticket.timestamp, due_at, now)
        if level is not None and level.value not in sent.get(clock.value, set()):
            notices.append(Due(ticket, clock, level, due_at))
    return notices


def levels_up_to(level: Level) -> list[Level]:
    return list(LEVELS[: LEVELS.index(level) + 1])


def escalates(ticket: Ticket) -> bool:
    """Low priority has no escalation (SERVICE_LEVELS: escalate after —)."""
    return SERVICE_LEVELS[ticket.priority].escalate_after is not None


def duration(span: timedelta) -> str:
    """A short human duration: "45 s", "12 min", "1 h 05 min", "3 d 4 h"."""
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def notice_text(
    notice: Due, club: ClubConfig, now: datetime, *, escalation: bool, mentions: list[str]
) -> str:
    """The notice as Slack mrkdwn. It names the ticket id, priority, place, clock and time
    left or overdue; no ticket text (titles may be customer words), and the place only as
    the config spells it."""
    ticket = notice.ticket
    emoji, name = LEVEL_TEXT[notice.level]
    location = club.location(ticket.location)
    place = location.name if location is not None else "unknown location"
    if ticket.bay is not None:
        place += f" · Bay {ticket.bay}"
    clock = CLOCK_TEXT[notice.clock]
    if notice.level == Level.BREACH:
        timing = f"overdue by {duration(now - notice.due_at)}"
    else:
        timing = f"due in {duration(notice.due_at - now)}"
    text = (
        f"{emoji} *{name}* — *{ticket.ticket_id}* ({ticket.priority.value} · "
        f"{ticket.category.value} · {place}): {clock.lower()} {timing}"
    )
    if escalation:
        text += " — escalating" + (f" to {' '.join(mentions)}" if mentions else "")
    return text


class SlaChecker:
    def __init__(
        self, database: Database, club: ClubConfig, wake: Callable[[], None] | None = None
    ) -> None:
        self.database = database
        self.club = club
        self.wake = wake

    def _routed(self, ticket: Ticket) -> str | None:
        return self.club.routing.channel_for(ticket.category)

    async def check(self, now: datetime) -> int:
        async with self.database.reading() as session:
            repo = SlaRepository(session)
            rows = await repo.with_running_clocks(OPEN_VALUES)
            sent = await repo.sent([row.number for row in rows])
            candidates = [to_ticket(row, ()) for row in rows]
        by_ticket: dict[int, dict[str, set[str]]] = {}
        for (number, clock), levels in sent.items():
            by_ticket.setdefault(number, {})[clock] = levels
        notices = 0
        for ticket in candidates:
            if due_notices(ticket, now, by_ticket.get(ticket.number, {})):
                notices += await self._notify(ticket.ticket_id, now)
        return notices

    async def _notify(self, ticket_id: str, now: datetime) -> int:
        """Record and queue one ticket's due notices in one unit of work, reading the
        ticket again there: an operator may have acted since the listing."""
        sent = 0
        async with self.database.unit_of_work() as session:
            try:
                ticket = await TicketService(session).get(ticket_id)
            except TicketNotFound:
                return 0
            repo = SlaRepository(session)
            notify = Notifier(session, self._routed, self.wake)
            for notice in due_notices(ticket, now, {}):
                if not await repo.record(ticket.number, notice.clock, notice.level, now):
                    continue  # sent already, by an earlier tick or another process
                for lower in levels_up_to(notice.level)[:-1]:
                    await repo.record(ticket.number, notice.clock, lower, now)
                self._queue(notify, notice, now)
                sent += 1
                log.info(
                    "sla.notice",
                    extra={
                        "ticket_id": ticket.ticket_id,
                        "clock": notice.clock.value,
                        "level": notice.level.value,
                    },
                )
        return sent

    def _queue(self, notify: Notifier, notice: Due, now: datetime) -> None:
        ticket = notice.ticket
        escalation = notice.level == Level.BREACH and escalates(ticket)
        mentions = self.club.sla.mentions if escalation else []
        routed = self._routed(ticket)
        if routed is not None:
            notify.post_text(
                routed,
                notice_text(notice, self.club, now, escalation=escalation, mentions=mentions),
            )
        ops = self.club.slack.ops_channel
        if escalation and ops != routed:
            # The routed team was mentioned there; the ops channel gets the record.
            notify.post_text(ops, notice_text(notice, self.club, now, escalation=True, mentions=[]))


async def check_slas(
    database: Database,
    club: ClubConfig,
    now: datetime,
    wake: Callable[[], None] | None = None,
) -> int:
    """Send the SLA notices due at `now`; returns how many were sent (one per ticket,
    clock and level, however many channels it was posted to)."""
    return await SlaChecker(database, club, wake).check(now)
