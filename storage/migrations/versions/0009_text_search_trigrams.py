"""trigram indexes for the text filter, on PostgreSQL where pg_trgm can be installed
(see storage/text_search.py)

`pg_trgm` ships with PostgreSQL (contrib) and is a trusted extension since version 13:
any role with CREATE on the database may install it. Where it is neither installed nor
installable, the upgrade says so in its log and goes on without the indexes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:00:00.000000
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.text_search import TRIGRAM_INDEXES

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CAN_HAVE_TRIGRAMS = sa.text(
    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')"
    " OR (EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')"
    " AND has_database_privilege(current_database(), 'CREATE'))"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if not bind.scalar(CAN_HAVE_TRIGRAMS):
        logging.getLogger("alembic").warning(
            "pg_trgm cannot be installed here: the text filter works without its indexes"
        )
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES.items():
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON tickets USING gin (lower({column}) gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
