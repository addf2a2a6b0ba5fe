"""Notices in a claimed batch that another notice of the batch makes unnecessary: settled
as done by it before the batch goes out, in one transaction.

- A card refresh renders the ticket as it is now, so an earlier refresh of the same ticket
  adds nothing (each refresh updates every copy of the card).
- A burst of reports of one problem queues a "linked another conversation" line per report
  for the ticket's first thread; the batch's lines of one ticket go out as one ("linked 7
  other conversations to it"): fewer posts, and an operator reads one line, not seven.
  A line being retried is not folded, in or into: see `fold`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bot.tickets.notices import LINKED, Notice
from storage.db import Database
from storage.models import OutboxMessageRow
from storage.outbox import OutboxRepository

Rows = list[OutboxMessageRow]


def is_linked_line(row: OutboxMessageRow) -> bool:
    return row.method == Notice.THREAD_REPLY and row.payload.get("action") == LINKED


def linked_count(payload: dict[str, Any]) -> int:
    """How many linked conversations a LINKED line's payload speaks for (1 unless folded)."""
    return int(payload.get("count", 1))


def linked_details(payload: dict[str, Any]) -> list[str]:
    """The conversations a LINKED line's payload names: all those folded into it, or its own."""
    return list(payload.get("details", [payload["detail"]]))


async def fold(database: Database, owner: str, rows: Rows) -> Rows:
    """`rows` less the notices a later one of the batch does (see the module doc); the
    folded lines' count is added to the last line of their ticket, which stays in place."""
    last_refresh: dict[int | None, OutboxMessageRow] = {}
    lines: defaultdict[int | None, Rows] = defaultdict(list)
    for row in rows:
        if row.method == Notice.REFRESH_CARDS:
            last_refresh[row.ticket_number] = row
        elif is_linked_line(row) and row.attempts <= 1:
            # Only lines on their first try: a retried one may have posted already (its
            # Slack call took effect, the answer was lost), and only its own key finds that.
            lines[row.ticket_number].append(row)
    done_by: dict[int, OutboxMessageRow] = {}
    for row in rows:
        if row.method == Notice.REFRESH_CARDS and last_refresh[row.ticket_number] is not row:
            done_by[row.id] = last_refresh[row.ticket_number]
    for group in lines.values():
        done_by |= {row.id: group[-1] for row in group[:-1]}
    if not done_by:
        return rows
    grown = {
        group[-1]: group[-1].payload
        | {
            "count": sum(linked_count(row.payload) for row in group),
            "details": [detail for row in group for detail in linked_details(row.payload)],
        }
        for group in lines.values()
        if len(group) > 1
    }
    async with database.unit_of_work(after_acks=True) as session:
        outbox = OutboxRepository(session)
        for row_id, by in done_by.items():
            await outbox.mark_sent(row_id, owner, {"folded_into": by.id})
        for kept, payload in grown.items():
            await outbox.set_payload(kept.id, owner, payload)
    for kept, payload in grown.items():
        kept.payload = payload  # the copy the sender delivers from
    return [row for row in rows if row.id not in done_by]
