"""Typed SQLAlchemy models. Alembic migrations in `storage/migrations` must match these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no time zone, PostgreSQL would."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Counter(Base):
    """Named counters; `ticket` hands out ticket numbers under a row lock."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class TicketRow(Base):
    __tablename__ = "tickets"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ticket_id: Mapped[str] = mapped_column(String(24), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16), index=True)
    priority: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(64), index=True)
    bay: Mapped[int | None] = mapped_column(Integer)
    assigned_to: Mapped[str | None] = mapped_column(String(64), index=True)
    resolution_notes: Mapped[str | None] = mapped_column(Text)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    learnable: Mapped[bool] = mapped_column(Boolean, default=False)
    # An operator said it should never have been opened: with `learnable`, it teaches triage
    # "no ticket" for messages like it.
    dismissed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    # What the problem is, for grouping reports of it: "system:projector:3",
    # "system:location", or the rules' problem name for customer reports.
    problem_key: Mapped[str | None] = mapped_column(String(128), index=True)
    # A recurrence parent groups repeated tickets of one problem.
    parent_number: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.number", ondelete="SET NULL"), index=True
    )
    response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer)

    # The ORM adds `AND version = :old` to every UPDATE and bumps it, so two writers that
    # read the same version cannot both win.
    __mapper_args__ = {"version_id_col": version}


# Indexes that match the filters (why each: migrations 0007 and 0008). Locations are
# matched ignoring case, `lower(location) IN (...)`; each filter's column with the status.
LOWER_LOCATION = func.lower(TicketRow.location)
Index("ix_tickets_location_lower", LOWER_LOCATION)
Index("ix_tickets_location_lower_status", LOWER_LOCATION, "status", postgresql_include=["location"])
Index("ix_tickets_category_status", TicketRow.category, TicketRow.status)
Index("ix_tickets_priority_status", TicketRow.priority, TicketRow.status)
Index("ix_tickets_assigned_to_status", TicketRow.assigned_to, TicketRow.status)
Index("ix_tickets_status_location", TicketRow.status, TicketRow.location, TicketRow.priority)


class TicketThreadRow(Base):
    """A conversation thread linked to a ticket; `ref` is `channel:thread_ts` (or an
    imported reference kept as given, with channel and thread_ts left empty)."""

    __tablename__ = "ticket_threads"
    __table_args__ = (
        UniqueConstraint("ticket_number", "ref", name="uq_ticket_threads_ticket_ref"),
        Index("ix_ticket_threads_channel_ts", "channel", "thread_ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_number: Mapped[int] = mapped_column(ForeignKey("tickets.number", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    linked_at: Mapped[datetime]
    linked_by: Mapped[str] = mapped_column(String(64))


class TicketEventRow(Base):
    """The audit timeline: one row per change, written in the change's transaction."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_number: Mapped[int] = mapped_column(
        ForeignKey("tickets.number", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]]
    note: Mapped[str | None] = mapped_column(Text)
    correlation_id: Mapped[str | None] = mapped_column(String(64))


class InboxEventRow(Base):
    """Received events, stored before any work starts so a crash resumes them and a
    redelivery (same idempotency key) is recognised."""

    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    # The conversation an event belongs to (`channel:thread_ts`), for thread context.
    thread: Mapped[str | None] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    # The worker (`workers.id`) whose claim this is, while the row is `processing`.
    claimed_by: Mapped[str | None] = mapped_column(String(64), index=True)
    processed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]


class OutboxMessageRow(Base):
    """Slack calls to make; a sender delivers them with retries, so none is dropped."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    ticket_number: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.number", ondelete="SET NULL"), index=True
    )
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    # The worker (`workers.id`) whose claim this is, while the row is `sending`.
    claimed_by: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    response: Mapped[dict[str, Any] | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class WorkerRow(Base):
    """A live worker process: its claims on inbox and outbox rows stand while this row
    does. Its heartbeat keeps it; a stale heartbeat, or the process seen gone on its own
    host, removes it, and its claims are free to take."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Where it runs (name, boot and pid namespace), so a process on the same host can tell
    # at once that it is gone; `process_started` tells a reused pid from the original.
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    process_started: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]


class JobRunRow(Base):
    """A scheduled job's claim on one period: the unique key lets one process win."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_runs_job_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime]
    claimed_by: Mapped[str] = mapped_column(String(128))


class TicketMessageRow(Base):
    """A Slack message the bot posted for a ticket (its card in a thread or a routed
    channel, a closure suggestion), so every copy can be updated in place."""

    __tablename__ = "ticket_messages"
    __table_args__ = (UniqueConstraint("channel", "ts", name="uq_ticket_messages_channel_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_number: Mapped[int] = mapped_column(
        ForeignKey("tickets.number", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]


class SlaNoticeRow(Base):
    """One SLA notice sent for a ticket (warning at 75%, alert at 90%, breach): the unique
    key makes each go out once, however many scheduler ticks or processes see it."""

    __tablename__ = "sla_notices"
    __table_args__ = (
        UniqueConstraint(
            "ticket_number", "clock", "level", name="uq_sla_notices_ticket_clock_level"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_number: Mapped[int] = mapped_column(ForeignKey("tickets.number", ondelete="CASCADE"))
    clock: Mapped[str] = mapped_column(String(16))  # "response" or "resolution"
    level: Mapped[str] = mapped_column(String(16))  # "warning", "alert", "breach"
    sent_at: Mapped[datetime]


class SignInLinkRow(Base):
    """A dashboard sign-in link that has been used: its token id (jti) as the primary key,
    so a second use of the same link, in any process, finds it taken."""

    __tablename__ = "signin_links"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    used_at: Mapped[datetime]


class TriageWeightsRow(Base):
    """Triage heads retrained on the club's learned examples; the newest whose embedding
    model matches is what every process's local classifier reads."""

    __tablename__ = "triage_weights"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime]
    model: Mapped[str] = mapped_column(String(128))  # the embedding model they fit
    learned_examples: Mapped[int] = mapped_column(Integer)
    # A digest of the learned examples they were fitted on: the nightly job retrains only
    # when it moves (a new flag, a recategorisation, a dismissal).
    examples_digest: Mapped[str] = mapped_column(String(64))
    weights: Mapped[str] = mapped_column(Text)  # `Heads.to_json`, byte for byte
