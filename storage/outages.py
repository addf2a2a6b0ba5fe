"""Which database failures are the database out of reach for a moment, not the work wrong.

A dropped connection (PostgreSQL restarted, a connection killed, the network) or a SQLite
write lock held past the busy timeout says nothing about the message being worked on: it
is retried without counting against the message's attempts, so an outage, however long,
never leaves a message failed. Anything else (a missing table, bad data) still counts.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

#: SQLite's words for "another connection holds the lock" (its busy timeout ran out).
SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says the database could not be reached or locked, not that the work
    itself failed."""
    if isinstance(exc, ConnectionError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    reason = str(exc.orig).lower()
    return any(words in reason for words in SQLITE_BUSY)
