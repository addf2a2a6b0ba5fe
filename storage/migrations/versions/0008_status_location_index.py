"""indexes that match the board's and the lists' filters: each filtered column with the
status after it, and the open tickets by location and priority

SQLite's planner knows only the average rows per status (20,000 of 100,000), not that
the open ones are 5%: given `status IN (open...) AND category = 'tech'` it walked the
50,000 tech tickets. With (category, status) it seeks both; a count is index-only. The
single-column indexes stay: a listing with no status filter, newest first, reads them in
ticket order without a sort.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: dict[str, list[str | sa.TextClause]] = {
    "ix_tickets_status_location": ["status", "location", "priority"],
    "ix_tickets_category_status": ["category", "status"],
    "ix_tickets_priority_status": ["priority", "status"],
    "ix_tickets_assigned_to_status": ["assigned_to", "status"],
    "ix_tickets_location_lower_status": [sa.text("lower(location)"), "status"],
}
# PostgreSQL answers from an expression index alone only when it also holds the column
# (`location`): without it, counting a location's tickets read 100,000 index entries.
INCLUDED = {"ix_tickets_location_lower_status": ["location"]}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "tickets", columns, postgresql_include=INCLUDED.get(name, []))


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="tickets")
