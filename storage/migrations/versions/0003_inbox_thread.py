"""inbox thread and result

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:25:30.595411
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("result", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_inbox_events_thread"), ["thread"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_events_thread"))
        batch_op.drop_column("result")
        batch_op.drop_column("thread")
