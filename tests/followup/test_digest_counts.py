"""The digest counted in SQL, on SQLite and on PostgreSQL: per location the counts by
status and priority, the breaching ones, and the five tickets named, as the digest's rule
orders them over every open ticket (past a deadline first, most urgent, longest overdue;
then the oldest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.club import load_club_config
from bot.followup.digest import TICKETS_PER_LOCATION, build_digest
from bot.tickets.domain import Ticket, TicketFilter
from bot.tickets.service import TicketService
from bot.tickets.status import OPEN_STATUSES
from bot.tickets.transfer import import_tickets
from storage.db import Database
from tests.support.app_harness import TEST_CONFIG
from tests.tickets.transfer_files import ticket_record, write_file

NOW = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
HOURS_AGO = (0.5, 2, 5, 30, 80, 1, 3, 10, 0.1, 50, 26, 4, 7, 0.2, 100, 12, 30, 30, 6, 0.3)
PLACES = ("Bedford", "Dartmouth", "Zeta Golf")  # the last one is not in the config
STATUSES = ("open", "in_progress", "on_hold", "open", "resolved")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _overdue(ticket: Ticket) -> datetime | None:
    if ticket.resolution_due_at is not None and ticket.resolution_due_at < NOW:
        return ticket.resolution_due_at
    if ticket.response_due_at is not None and ticket.response_due_at < NOW:
        return ticket.response_due_at if ticket.first_response_at is None else None
    return None


def expected_named(tickets: list[Ticket]) -> list[str]:
    def order(t: Ticket) -> tuple[int, int, datetime]:
        due = _overdue(t)
        return (0, -t.priority.rank, due) if due else (1, 0, t.timestamp)

    newest_first = sorted(tickets, key=lambda t: -int(t.ticket_id[2:]))
    return [t.ticket_id for t in sorted(newest_first, key=order)[:TICKETS_PER_LOCATION]]


async def test_counts_and_named_tickets_match_every_open_ticket(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    records = [
        ticket_record(
            n,
            location=PLACES[n % 3],
            status=STATUSES[n % 5],
            priority=("low", "medium", "high", "critical")[n % 4],
            timestamp=_iso(NOW - timedelta(hours=hours)),
        )
        for n, hours in enumerate(HOURS_AGO * 2, start=1)
    ]
    await import_tickets(db_url, write_file(tmp_path, records), progress=False)
    async with db.unit_of_work() as session:
        open_tickets = await TicketService(session).list(TicketFilter(statuses=OPEN_STATUSES))

    digest = await build_digest(db, load_club_config(TEST_CONFIG), NOW)

    assert [loc.location for loc in digest.locations] == list(PLACES)
    for loc in digest.locations:
        mine = [t for t in open_tickets if t.location == loc.location]
        assert loc.total == len(mine) > TICKETS_PER_LOCATION
        assert loc.by_status == {s: sum(t.status == s for t in mine) for s in OPEN_STATUSES}
        assert sum(loc.by_priority.values()) == len(mine)
        assert loc.breaching == sum(_overdue(t) is not None for t in mine) > 0
        assert [e.ticket_id for e in loc.tickets] == expected_named(mine)
