"""problem keys, recurrence parents, SLA clocks and notices

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 21:34:41.879460
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_number", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_number"],
            ["tickets.number"],
            name=op.f("fk_sla_notices_ticket_number_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_notices")),
        sa.UniqueConstraint(
            "ticket_number", "clock", "level", name="uq_sla_notices_ticket_clock_level"
        ),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("problem_key", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("parent_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("response_due_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("resolution_due_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("first_response_at", UTCDateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_tickets_parent_number"), ["parent_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tickets_problem_key"), ["problem_key"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_parent_number_tickets"),
            "tickets",
            ["parent_number"],
            ["number"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tickets_parent_number_tickets"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tickets_problem_key"))
        batch_op.drop_index(batch_op.f("ix_tickets_parent_number"))
        batch_op.drop_column("first_response_at")
        batch_op.drop_column("resolution_due_at")
        batch_op.drop_column("response_due_at")
        batch_op.drop_column("parent_number")
        batch_op.drop_column("problem_key")

    op.drop_table("sla_notices")
