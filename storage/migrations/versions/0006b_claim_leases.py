"""claim owners: live workers, and who holds each inbox and outbox claim

Written beside 0006 (triage learning) and chained after it: it only adds a table and two
columns.

Revision ID: 0006b_claim_leases
Revises: 0006
Create Date: 2026-12-02 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0006b_claim_leases"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLAIMED_TABLES = ("inbox_events", "outbox_messages")


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("process_started", sa.Float(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers")),
    )
    for table in CLAIMED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_claimed_by"), ["claimed_by"])


def downgrade() -> None:
    for table in CLAIMED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_claimed_by"))
            batch_op.drop_column("claimed_by")
    op.drop_table("workers")
