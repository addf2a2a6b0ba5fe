"""an index on lower(location): the case-blind location filter

Revision ID: 0007
Revises: 0006b_claim_leases
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006b_claim_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_location_lower", "tickets", [sa.text("lower(location)")])


def downgrade() -> None:
    op.drop_index("ix_tickets_location_lower", table_name="tickets")
