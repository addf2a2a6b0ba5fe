"""trigram indexes for the text filter, on PostgreSQL where pg_trgm can be installed
(see storage/text_search.py)

`pg_trgm` ships with PostgreSQL (contrib) and is a trusted extension since version 13:
any role with CREATE on the database may install it. Where it is neither installed nor
installable, or the server refuses it anyway, the upgrade says so in its log and goes on
without the indexes.

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
TRGM_SCHEMA = sa.text(
    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
    " WHERE e.extname = 'pg_trgm'"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if not bind.scalar(CAN_HAVE_TRIGRAMS):
        return _without("pg_trgm is neither installed nor installable by this role")
    try:
        # A savepoint: a server that still refuses (an extension allow-list, PostgreSQL
        # before 13, where pg_trgm is not trusted) fails this step only.
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            # Installed in another schema maybe ("extensions"), off the search path.
            schema = bind.scalar(TRGM_SCHEMA)
            for name, column in TRIGRAM_INDEXES.items():
                op.execute(
                    f"CREATE INDEX IF NOT EXISTS {name} ON tickets"
                    f' USING gin (lower({column}) "{schema}".gin_trgm_ops)'
                )
    except sa.exc.DBAPIError as exc:
        _without(str(exc.orig))


def _without(why: str) -> None:
    logging.getLogger("alembic").warning(
        "no trigram indexes (%s): the text filter works without them, slower at scale", why
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
