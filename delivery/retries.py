"""When the outbox tries a failed notice again, and when it gives up."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.models import OutboxMessageRow

MAX_ATTEMPTS = 8
# A retry waits 2, 4, 8, 16 s, then this long: a card lands within half a minute of Slack
# recovering (a 429's Retry-After is honoured by the client itself).
MAX_BACKOFF_S = 30
# Slack answering 429 or 5xx, or not answering at all, says nothing about the notice: past
# MAX_ATTEMPTS such a row keeps trying for this long before it gives up, so hours of Slack
# trouble lose no card. Other failures count as attempts.
TRANSIENT_WINDOW = timedelta(hours=24)


def next_attempt(
    row: OutboxMessageRow, now: datetime, *, permanent: bool, transient: bool
) -> datetime | None:
    """When to try `row` again after this failure; None: give up."""
    still_transient = transient and now - row.created_at < TRANSIENT_WINDOW
    if permanent or (row.attempts >= MAX_ATTEMPTS and not still_transient):
        return None
    return now + timedelta(seconds=min(MAX_BACKOFF_S, 2**row.attempts))
