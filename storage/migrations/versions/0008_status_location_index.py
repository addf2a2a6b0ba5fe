"""an index on (status, location, priority): the open tickets counted by place and priority

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 02:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_status_location", "tickets", ["status", "location", "priority"])


def downgrade() -> None:
    op.drop_index("ix_tickets_status_location", table_name="tickets")
