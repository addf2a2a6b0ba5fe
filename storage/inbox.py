"""The inbox: received events keyed by an idempotency key, stored before any work starts,
so a redelivery (a Slack retry, a second reaction on one message) is recognised and a
crash or restart resumes the work instead of losing it."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, bindparam, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Insert

from storage.binding import column_binder
from storage.db import Database
from storage.models import InboxEventRow, utcnow
from storage.workers import is_registered, live_owners, unsettled

PENDING = "pending"
PROCESSING = "processing"
DONE = "done"
FAILED = "failed"

# A claim no worker is on is due again this long after it was taken: one without an owner
# (taken before owners were recorded), or one its live owner's drains no longer hold (a
# release that failed). Old enough that no drain can still be about to hold it.
STRAY_CLAIM_EXPIRY = timedelta(minutes=2)

InboxRows = list[InboxEventRow]


def _insert_once(insert: Callable[[Table], postgresql.Insert | sqlite.Insert]) -> Insert:
    """The inbox's insert, built once: every ack runs it, and building a statement (and
    its cache key) each time cost more than executing the compiled one."""
    table: Table = InboxEventRow.__table__  # type: ignore[assignment]  # a Table here
    return (
        insert(table)
        .values({name: bindparam(name) for name in _INSERTED})
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id)
    )


_INSERTED = (
    "idempotency_key",
    "kind",
    "thread",
    "payload",
    "status",
    "attempts",
    "received_at",
    "processed_at",
)
_INSERT_ONCE = {
    "sqlite": _insert_once(sqlite.insert),
    "postgresql": _insert_once(postgresql.insert),
}


def _new_row(
    key: str, kind: str, payload: dict[str, Any], status: str, thread: str | None
) -> dict[str, Any]:
    now = utcnow()
    return {
        "idempotency_key": key,
        "kind": kind,
        "thread": thread,
        "payload": payload,
        "status": status,
        "attempts": 0,
        "received_at": now,
        "processed_at": now if status == DONE else None,
    }


_SQLITE = sqlite.dialect()
_SQLITE_BINDERS = {
    name: column_binder(_SQLITE, InboxEventRow.__table__.c[name].type) for name in _INSERTED
}


async def record_first(
    database: Database, key: str, kind: str, payload: dict[str, Any], *, thread: str | None
) -> bool:
    """Store a pending event in a unit of work of its own that goes before the other
    writers (a relay ack's); True when it is new. On a SQLite file in one hop
    (storage/one_hop.py)."""
    values = _new_row(key, kind, payload, PENDING, thread)
    one_hop = database.one_hop_inserts(_INSERT_ONCE["sqlite"])
    if one_hop is not None:
        bound = {
            name: bind(value) if (bind := _SQLITE_BINDERS[name]) else value
            for name, value in values.items()
        }
        return await one_hop.record(bound)
    async with database.unit_of_work(urgent=True) as session:
        statement = _INSERT_ONCE[session.get_bind().dialect.name]
        return (await session.scalar(statement, values)) is not None


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        key: str,
        kind: str,
        payload: dict[str, Any],
        *,
        status: str = PENDING,
        thread: str | None = None,
    ) -> bool:
        """Store the event unless its key is known; True when it is new. Concurrent
        deliveries of one key cannot both win: the unique key decides."""
        values = _new_row(key, kind, payload, status, thread)
        statement = _INSERT_ONCE[self.session.get_bind().dialect.name]
        return (await self.session.scalar(statement, values)) is not None

    async def get(self, key: str, *, lock: bool = False) -> InboxEventRow | None:
        statement = select(InboxEventRow).where(InboxEventRow.idempotency_key == key)
        if lock:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def claim_due(
        self, kind: str, limit: int, owner: str, held: Collection[int] = ()
    ) -> InboxRows:
        """Claim for `owner` pending rows, rows whose owner is gone (no longer in
        `workers`) and rows `owner` claimed but no longer works on (not in `held`: a
        release that failed); nothing while `owner` itself is not registered. SKIP
        LOCKED: two claimers never take the same row."""
        if not await is_registered(self.session, owner):
            return []
        now = utcnow()
        processing = InboxEventRow.status == PROCESSING
        rows = list(
            await self.session.scalars(
                select(InboxEventRow)
                .where(
                    InboxEventRow.id.in_(unsettled(InboxEventRow, PENDING, PROCESSING)),
                    InboxEventRow.kind == kind,
                    or_(
                        InboxEventRow.status == PENDING,
                        processing & InboxEventRow.claimed_by.not_in(live_owners()),
                        processing
                        & (InboxEventRow.claimed_by == owner)
                        & InboxEventRow.id.not_in(held),
                        processing
                        & InboxEventRow.claimed_by.is_(None)
                        & (InboxEventRow.claimed_at <= now - STRAY_CLAIM_EXPIRY),
                    ),
                )
                .order_by(InboxEventRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for row in rows:
            row.status = PROCESSING
            row.claimed_at = now
            row.claimed_by = owner
            row.attempts += 1
        return rows

    @staticmethod
    def holds(row: InboxEventRow, owner: str | None) -> bool:
        """Whether `row` (read under lock) is still claimed by `owner`: a worker taken for
        gone may still be running, and must not finish what another now holds."""
        return row.status == PROCESSING and row.claimed_by == owner

    async def thread_history(self, thread: str, before_id: int, limit: int = 20) -> InboxRows:
        """Earlier events of the same conversation, oldest first."""
        rows = await self.session.scalars(
            select(InboxEventRow)
            .where(InboxEventRow.thread == thread, InboxEventRow.id < before_id)
            .order_by(InboxEventRow.id.desc())
            .limit(limit)
        )
        return list(reversed(list(rows)))

    async def conversation(self, kind: str, thread: str) -> InboxRows:
        """Every event of `kind` in one conversation, oldest first (a ticket page shows the
        customer's side of each thread linked to the ticket)."""
        rows = await self.session.scalars(
            select(InboxEventRow)
            .where(InboxEventRow.kind == kind, InboxEventRow.thread == thread)
            .order_by(InboxEventRow.id)
        )
        return list(rows)

    def finish(self, row: InboxEventRow, result: dict[str, Any]) -> None:
        row.status = DONE
        row.claimed_by = None
        row.processed_at = utcnow()
        row.result = result
        row.last_error = None

    def fail(self, row: InboxEventRow, error: str, *, give_up: bool) -> None:
        row.status = FAILED if give_up else PENDING
        row.claimed_by = None
        row.last_error = error[:2000]

    def retry_uncounted(self, row: InboxEventRow, error: str) -> None:
        """Back to pending without spending the claim's attempt (the database was out of
        reach: nothing was wrong with the message)."""
        self.fail(row, error, give_up=False)
        row.attempts = max(0, row.attempts - 1)

    async def unfinished_count(self) -> int:
        rows = await self.session.scalars(
            select(InboxEventRow.id).where(InboxEventRow.status.in_([PENDING, PROCESSING]))
        )
        return len(list(rows))
