"""dismissed tickets, retrained triage weights

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dismissed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "triage_weights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("learned_examples", sa.Integer(), nullable=False),
        sa.Column("examples_digest", sa.String(length=64), nullable=False),
        sa.Column("weights", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_weights")),
    )


def downgrade() -> None:
    op.drop_table("triage_weights")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("dismissed")
