"""The inbox: received events keyed by an idempotency key, so a redelivery (a Slack
retry, a restart, a second reaction on the same message) is recognised."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxEventRow, utcnow

PENDING = "pending"
DONE = "done"


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self, key: str, kind: str, payload: dict[str, Any], *, status: str = PENDING
    ) -> bool:
        """Store the event unless its key is known; True when it is new. Concurrent
        deliveries of one key cannot both win: the unique key decides."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        now = utcnow()
        statement = (
            insert(InboxEventRow)
            .values(
                idempotency_key=key,
                kind=kind,
                payload=payload,
                status=status,
                attempts=0,
                received_at=now,
                processed_at=now if status == DONE else None,
            )
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(InboxEventRow.id)
        )
        return (await self.session.scalar(statement)) is not None

    async def get(self, key: str) -> InboxEventRow | None:
        return await self.session.scalar(
            select(InboxEventRow).where(InboxEventRow.idempotency_key == key)
        )
