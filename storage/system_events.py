"""Queries for system events from monitoring: their rows in the inbox (kind
`system_event`), grouped per device or condition by the `thread` column
("sys:<location>:<device>:<bay|->"), and the open ticket a problem already has.

Event times are compared as the fixed-width ISO-8601 UTC strings the events service
stores in each payload's `occurred_at` (so string order is time order on both SQLite
and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.locks import hold_new_tickets_at
from storage.models import InboxEventRow, TicketRow

SYSTEM_EVENT_KIND = "system_event"

EventRows = list[InboxEventRow]


def _occurred_at() -> ColumnElement[str]:
    return cast(ColumnElement[str], InboxEventRow.payload["occurred_at"].as_string())


class SystemEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def serialize(self, location: str) -> None:
        """Hold the location's lock on new tickets until the transaction ends, so two events
        of one location are decided one after the other (two "third offline" events must
        not open two tickets), and after any relayed report being decided there."""
        await hold_new_tickets_at(self.session, location)

    async def in_window(
        self,
        *,
        since: str,
        until: str,
        group: str | None = None,
        group_prefix: str | None = None,
    ) -> EventRows:
        """Events of one group (or of every group starting with a prefix) that occurred
        between `since` and `until` (both included), oldest first."""
        statement = select(InboxEventRow).where(
            InboxEventRow.kind == SYSTEM_EVENT_KIND,
            _occurred_at() >= since,
            _occurred_at() <= until,
        )
        if group is not None:
            statement = statement.where(InboxEventRow.thread == group)
        if group_prefix is not None:
            statement = statement.where(
                InboxEventRow.thread.startswith(group_prefix, autoescape=True)
            )
        statement = statement.order_by(_occurred_at(), InboxEventRow.id)
        return list(await self.session.scalars(statement))

    async def latest(self, group: str) -> InboxEventRow | None:
        """The group's most recent event by occurrence (the later stored one on a tie)."""
        return await self.session.scalar(
            select(InboxEventRow)
            .where(InboxEventRow.kind == SYSTEM_EVENT_KIND, InboxEventRow.thread == group)
            .order_by(_occurred_at().desc(), InboxEventRow.id.desc())
            .limit(1)
        )

    async def for_ticket(self, group_prefix: str, ticket_id: str) -> EventRows:
        """Events of the groups under `group_prefix` whose decision named `ticket_id`."""
        return list(
            await self.session.scalars(
                select(InboxEventRow)
                .where(
                    InboxEventRow.kind == SYSTEM_EVENT_KIND,
                    InboxEventRow.thread.startswith(group_prefix, autoescape=True),
                    InboxEventRow.result["ticket_id"].as_string() == ticket_id,
                )
                .order_by(InboxEventRow.id)
            )
        )

    async def open_ticket_id(
        self, location: str, problem_key: str, open_statuses: Sequence[str]
    ) -> str | None:
        """The newest ticket at `location` (any case) with this problem key that is still
        in one of `open_statuses`."""
        return await self.session.scalar(
            select(TicketRow.ticket_id)
            .where(
                TicketRow.problem_key == problem_key,
                func.lower(TicketRow.location) == location.lower(),
                TicketRow.status.in_(open_statuses),
            )
            .order_by(TicketRow.number.desc())
            .limit(1)
        )
