"""The outbox: Slack calls written in the same transaction as the change that caused
them, and claimed by a sender that delivers them with retries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_once
from storage.models import OutboxMessageRow, TicketMessageRow, utcnow
from storage.workers import is_registered, live_owners, unsettled

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
DEAD = "dead"

# A claim no worker is on is due again this long after it was taken: one without an owner
# (taken before owners were recorded), or one its live owner's drains no longer hold (a
# release that failed). Old enough that no drain can still be about to hold it.
STRAY_CLAIM_EXPIRY = timedelta(minutes=2)

OutboxRows = list[OutboxMessageRow]
MessageRows = list[TicketMessageRow]


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def enqueue(
        self,
        method: str,
        payload: dict[str, Any],
        *,
        ticket_number: int | None = None,
        dedupe_key: str | None = None,
    ) -> OutboxMessageRow:
        now = utcnow()
        row = OutboxMessageRow(
            method=method,
            payload=payload,
            ticket_number=ticket_number,
            dedupe_key=dedupe_key,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        self.session.add(row)
        return row

    async def claim_due(self, limit: int, owner: str, held: Collection[int] = ()) -> OutboxRows:
        """Claim for `owner`, in creation order, due rows, rows whose owner is gone (no
        longer in `workers`) and rows `owner` claimed but no longer works on (not in
        `held`: a release that failed); nothing while `owner` itself is not registered.
        SKIP LOCKED lets several senders share work on PostgreSQL (SQLite serialises
        writers)."""
        if not await is_registered(self.session, owner):
            return []
        now = utcnow()
        sending = OutboxMessageRow.status == SENDING
        rows = list(
            await self.session.scalars(
                select(OutboxMessageRow)
                .where(
                    OutboxMessageRow.id.in_(unsettled(OutboxMessageRow, PENDING, SENDING)),
                    or_(
                        (OutboxMessageRow.status == PENDING)
                        & (OutboxMessageRow.next_attempt_at <= now),
                        sending & OutboxMessageRow.claimed_by.not_in(live_owners()),
                        sending
                        & (OutboxMessageRow.claimed_by == owner)
                        & OutboxMessageRow.id.not_in(held),
                        sending
                        & OutboxMessageRow.claimed_by.is_(None)
                        & (OutboxMessageRow.next_attempt_at <= now - STRAY_CLAIM_EXPIRY),
                    ),
                )
                .order_by(OutboxMessageRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for row in rows:
            row.status = SENDING
            row.claimed_by = owner
            row.attempts += 1
            row.next_attempt_at = now
        return rows

    async def get(self, row_id: int) -> OutboxMessageRow | None:
        return await self.session.get(OutboxMessageRow, row_id)

    async def mark_sent(self, row_id: int, owner: str, response: dict[str, Any] | None) -> bool:
        """Record the delivery, if `owner` still holds the row; whether it did."""
        values = {"status": SENT, "sent_at": utcnow(), "response": response, "last_error": None}
        return await self._settle(row_id, owner, values)

    async def mark_all_sent(self, row_ids: Sequence[int], owner: str) -> None:
        """Record the deliveries of the rows `owner` still holds among `row_ids`."""
        values = {"status": SENT, "sent_at": utcnow(), "response": None, "last_error": None}
        await self.session.execute(
            update(OutboxMessageRow)
            .where(
                OutboxMessageRow.id.in_(row_ids),
                OutboxMessageRow.status == SENDING,
                OutboxMessageRow.claimed_by == owner,
            )
            .values(claimed_by=None, **values)
        )

    async def set_payload(self, row_id: int, owner: str, payload: dict[str, Any]) -> bool:
        """Change what a row `owner` holds will deliver (a folded notice); whether it did."""
        return await self._update_held(row_id, owner, {"payload": payload})

    async def mark_failed(
        self, row_id: int, owner: str, error: str, retry_at: datetime | None
    ) -> bool:
        """Schedule another attempt at `retry_at`, or give up (`None`), if `owner` still
        holds the row; whether it did."""
        values: dict[str, Any] = {"last_error": error[:2000]}
        if retry_at is None:
            values["status"] = DEAD
        else:
            values.update(status=PENDING, next_attempt_at=retry_at)
        return await self._settle(row_id, owner, values)

    async def _settle(self, row_id: int, owner: str, values: dict[str, Any]) -> bool:
        return await self._update_held(row_id, owner, values | {"claimed_by": None})

    async def _update_held(self, row_id: int, owner: str, values: dict[str, Any]) -> bool:
        # A sender taken for gone may still be running: only the holder changes a row.
        settled = await self.session.execute(
            update(OutboxMessageRow)
            .where(
                OutboxMessageRow.id == row_id,
                OutboxMessageRow.status == SENDING,
                OutboxMessageRow.claimed_by == owner,
            )
            .values(**values)
        )
        return bool(settled.rowcount)  # type: ignore[attr-defined]

    async def supersede(self, method: str, ticket_number: int, by_row: int) -> int:
        """Mark the ticket's other pending `method` rows sent, delivered by `by_row`; how
        many. Only rows no sender has claimed: a claimed one is already on its way."""
        superseded = await self.session.execute(
            update(OutboxMessageRow)
            .where(
                OutboxMessageRow.method == method,
                OutboxMessageRow.ticket_number == ticket_number,
                OutboxMessageRow.status == PENDING,
                OutboxMessageRow.id != by_row,
            )
            .values(status=SENT, sent_at=utcnow(), last_error=f"superseded by #{by_row}")
        )
        return int(superseded.rowcount)  # type: ignore[attr-defined]

    async def pending_count(self) -> int:
        rows = await self.session.scalars(
            select(OutboxMessageRow.id).where(OutboxMessageRow.status.in_([PENDING, SENDING]))
        )
        return len(list(rows))

    async def record_message(
        self, ticket_number: int, kind: str, channel: str, ts: str, thread_ts: str | None
    ) -> None:
        """Where a message of the ticket is, once (a retried post may find it recorded)."""
        values = {
            "ticket_number": ticket_number,
            "kind": kind,
            "channel": channel,
            "ts": ts,
            "thread_ts": thread_ts,
            "created_at": utcnow(),
        }
        await insert_once(self.session, TicketMessageRow, ["channel", "ts"], values)

    async def messages(self, ticket_number: int, kinds: Sequence[str]) -> MessageRows:
        return list(
            await self.session.scalars(
                select(TicketMessageRow)
                .where(
                    TicketMessageRow.ticket_number == ticket_number,
                    TicketMessageRow.kind.in_(kinds),
                )
                .order_by(TicketMessageRow.id)
            )
        )
