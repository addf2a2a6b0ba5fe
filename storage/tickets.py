"""Ticket queries: the only place that writes SQL for tickets, threads and audit events.
Callers hand in the values of new rows (TicketFields, ThreadFields, EventFields); the rows
themselves are built here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, case, func, or_, select, update
from sqlalchemy.orm.exc import StaleDataError

from storage.db import UnitOfWork
from storage.models import Counter, TicketEventRow, TicketRow, TicketThreadRow
from storage.text_search import mentions

TICKET_COUNTER = "ticket"
IN_CHUNK = 10_000  # ids per `IN (...)` list
NUMBER_MAX = 2**31 - 1  # tickets.number is a 32-bit INTEGER: no ticket lies above it
RUN_GAP = 16  # numbers this close are asked for as one range (existing_numbers)

# Aliases: inside TicketRepository the name `list` is the method, not the builtin.
TicketRows = list[TicketRow]
EventRows = list[TicketEventRow]
ThreadRefs = dict[int, list[str]]
Numbers = list[int]
Columns = TypeVarTuple("Columns")  # what a statement selects


@dataclass(frozen=True)
class TicketQuery:
    """Filters for listing tickets; every set field must match (empty lists match all)."""

    statuses: Sequence[str] = ()
    locations: Sequence[str] = ()
    priorities: Sequence[str] = ()
    categories: Sequence[str] = ()
    assigned: bool | None = None
    assignee: str | None = None
    learnable: bool | None = None
    text: str | None = None  # in the title or the description, ignoring case
    numbers: Sequence[int] = field(default_factory=tuple)
    parent_number: int | None = None  # only the children of this ticket
    before_number: int | None = None
    limit: int | None = None
    offset: int = 0
    # Priorities, most urgent first: order by them, then oldest first (else newest first).
    priority_order: Sequence[str] = ()


class VersionConflict(Exception):
    """A ticket row was changed by another transaction after this one read it: its
    version moved on, so the UPDATE matched no row. Nothing of the flush was written."""


@dataclass(frozen=True)
class TicketFields:
    """The values of a new ticket row; enums as the strings the columns store."""

    number: int
    ticket_id: str
    created_by: str
    submitted_by: str
    source: str
    category: str
    priority: str
    status: str
    title: str
    description: str
    location: str
    created_at: datetime
    updated_at: datetime
    bay: int | None = None
    assigned_to: str | None = None
    resolution_notes: str | None = None
    hold_reason: str | None = None
    learnable: bool = False
    decided_by: str | None = None
    resolved_at: datetime | None = None
    problem_key: str | None = None
    response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    first_response_at: datetime | None = None
    dismissed: bool = False


@dataclass(frozen=True)
class ThreadFields:
    """A thread linked to a ticket; channel and thread_ts are None for a `ref` that is not
    shaped `channel:thread_ts` (an imported reference kept as given)."""

    ticket_number: int
    ref: str
    channel: str | None
    thread_ts: str | None
    linked_at: datetime
    linked_by: str


@dataclass(frozen=True)
class EventFields:
    """One audit event: `changes` maps a field to `[before, after]` (JSON values)."""

    ticket_number: int
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]
    note: str | None = None
    correlation_id: str | None = None


def _runs(numbers: Sequence[int]) -> list[tuple[int, int]]:
    """Ascending `numbers` as (low, high) ranges, a new one after a gap wider than RUN_GAP
    (a range may hold a few numbers not asked for: the caller keeps only those asked)."""
    runs: list[tuple[int, int]] = []
    for number in numbers:
        if runs and number - runs[-1][1] <= RUN_GAP:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def _filtered(stmt: Select[*Columns], query: TicketQuery) -> Select[*Columns]:
    """`stmt` narrowed to the tickets `query` asks for."""
    if query.statuses:
        stmt = stmt.where(TicketRow.status.in_(query.statuses))
    if query.locations:
        locations = [name.lower() for name in query.locations]
        stmt = stmt.where(func.lower(TicketRow.location).in_(locations))
    if query.priorities:
        stmt = stmt.where(TicketRow.priority.in_(query.priorities))
    if query.categories:
        stmt = stmt.where(TicketRow.category.in_(query.categories))
    if query.assigned is not None:
        assigned = TicketRow.assigned_to
        stmt = stmt.where(assigned.is_not(None) if query.assigned else assigned.is_(None))
    if query.assignee is not None:
        stmt = stmt.where(TicketRow.assigned_to == query.assignee)
    if query.learnable is not None:
        stmt = stmt.where(TicketRow.learnable.is_(query.learnable))
    if query.text:
        stmt = stmt.where(mentions(query.text))
    if query.numbers:
        stmt = stmt.where(TicketRow.number.in_(query.numbers))
    if query.parent_number is not None:
        stmt = stmt.where(TicketRow.parent_number == query.parent_number)
    if query.before_number is not None and query.before_number <= NUMBER_MAX:
        stmt = stmt.where(TicketRow.number < query.before_number)
    return stmt


def _order(query: TicketQuery) -> tuple[ColumnElement[Any], ...]:
    if not query.priority_order:
        return (TicketRow.number.desc(),)
    ranks = {priority: rank for rank, priority in enumerate(query.priority_order)}
    urgency = case(ranks, value=TicketRow.priority, else_=len(ranks))
    return (urgency, TicketRow.created_at.asc(), TicketRow.number.asc())


class TicketRepository:
    def __init__(self, session: UnitOfWork) -> None:
        self.session = session

    async def next_number(self) -> int:
        """Take the next ticket number. The UPDATE holds the counter row's lock until the
        transaction ends, so concurrent creators on PostgreSQL queue up, never collide."""
        result = await self.session.execute(
            update(Counter)
            .where(Counter.name == TICKET_COUNTER)
            .values(value=Counter.value + 1)
            .returning(Counter.value)
        )
        return int(result.scalar_one())

    async def raise_counter_to(self, number: int) -> None:
        """Make sure new numbers continue above `number` (after importing old tickets)."""
        await self.session.execute(
            update(Counter)
            .where(Counter.name == TICKET_COUNTER)
            .values(value=case((Counter.value < number, number), else_=Counter.value))
        )

    def add(self, fields: TicketFields) -> TicketRow:
        """A new ticket row in the unit of work (written at the next flush); its version
        starts at 1 and moves on with every change written afterwards."""
        row = TicketRow(**asdict(fields))
        self.session.add(row)
        return row

    async def get(self, number: int, *, lock: bool = False) -> TicketRow | None:
        """The row; with `lock`, read afresh and held until commit (FOR UPDATE)."""
        if number > NUMBER_MAX:  # PostgreSQL refuses to bind it; no such ticket anyway
            return None
        return await self.session.get(TicketRow, number, with_for_update=lock or None)

    async def existing_numbers(self, numbers: Sequence[int]) -> set[int]:
        """Which of `numbers` are taken, asked as ranges of the sorted numbers (an import's
        batch is mostly one run). Not `number IN (...)`: with 1,000 parameters, PostgreSQL's
        generic plan compared every row with every one (1.2 s a batch at 100k tickets)."""
        wanted = set(numbers)
        ranges = [TicketRow.number.between(low, high) for low, high in _runs(sorted(wanted))]
        if not ranges:
            return set()
        result = await self.session.scalars(select(TicketRow.number).where(or_(*ranges)))
        return wanted.intersection(result)

    async def list(self, query: TicketQuery) -> TicketRows:
        stmt = _filtered(select(TicketRow), query).order_by(*_order(query))
        if query.limit is not None:
            stmt = stmt.limit(query.limit)
        if query.offset:
            stmt = stmt.offset(query.offset)
        return list(await self.session.scalars(stmt))

    async def count(self, query: TicketQuery, at_most: int | None = None) -> int:
        """How many tickets `query` matches (its limit aside), counted in SQL; no more than
        `at_most` when given (the count stops there: a text filter reads every row)."""
        if at_most is None:
            stmt = _filtered(select(func.count()).select_from(TicketRow), query)
        else:
            found = _filtered(select(TicketRow.number), query).limit(at_most).subquery()
            stmt = select(func.count()).select_from(found)
        return int(await self.session.scalar(stmt) or 0)

    async def count_by_status(self, query: TicketQuery) -> dict[str, int]:
        """How many tickets `query` matches in each status (its limit aside)."""
        counted = _filtered(select(TicketRow.status, func.count()), query)
        rows = await self.session.execute(counted.group_by(TicketRow.status))
        return {status: int(n) for status, n in rows}

    async def threads(self, numbers: Sequence[int]) -> ThreadRefs:
        """Linked thread refs per ticket number, in the order they were linked."""
        by_ticket: ThreadRefs = {}
        # In chunks: asyncpg refuses more than 32767 bind parameters in one statement.
        for start in range(0, len(numbers), IN_CHUNK):
            rows = await self.session.execute(
                select(TicketThreadRow.ticket_number, TicketThreadRow.ref)
                .where(TicketThreadRow.ticket_number.in_(numbers[start : start + IN_CHUNK]))
                .order_by(TicketThreadRow.id)
            )
            for number, ref in rows:
                by_ticket.setdefault(number, []).append(ref)
        return by_ticket

    async def first_thread(self, number: int) -> str | None:
        """The ref of the first Slack thread linked (an imported ref has no channel)."""
        in_slack = TicketThreadRow.channel.is_not(None)
        of_ticket = select(TicketThreadRow.ref).where(TicketThreadRow.ticket_number == number)
        of_ticket = of_ticket.where(in_slack)
        return await self.session.scalar(of_ticket.order_by(TicketThreadRow.id).limit(1))

    async def has_thread(self, number: int, ref: str) -> bool:
        found = await self.session.scalar(
            select(TicketThreadRow.id).where(
                TicketThreadRow.ticket_number == number, TicketThreadRow.ref == ref
            )
        )
        return found is not None

    def add_thread(self, fields: ThreadFields) -> None:
        self.session.add(TicketThreadRow(**asdict(fields)))

    async def numbers_for_thread(self, channel: str, thread_ts: str) -> Numbers:
        result = await self.session.scalars(
            select(TicketThreadRow.ticket_number)
            .where(TicketThreadRow.channel == channel, TicketThreadRow.thread_ts == thread_ts)
            .order_by(TicketThreadRow.ticket_number)
        )
        return list(result)

    def add_event(self, fields: EventFields) -> None:
        self.session.add(TicketEventRow(**asdict(fields)))

    async def events(self, number: int) -> EventRows:
        result = await self.session.scalars(
            select(TicketEventRow)
            .where(TicketEventRow.ticket_number == number)
            .order_by(TicketEventRow.id)
        )
        return list(result)

    async def flush(self) -> None:
        """Write what the unit of work holds; VersionConflict when a changed ticket row was
        changed by someone else since it was read (the ORM checks its version)."""
        try:
            await self.session.flush()
        except StaleDataError as exc:
            raise VersionConflict(str(exc)) from exc
