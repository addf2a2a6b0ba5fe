"""Everything the database holds, table by table: compared before and after a refused
change, so "nothing changed" covers the ticket row, its audit events, the outbox, the
inbox, sign-in links and whatever table comes next."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import Database
from storage.models import Base

Snapshot = dict[str, list[str]]
#: Not data anyone changes: each running process's heartbeat (bot/presence.py).
PRESENCE = frozenset({"workers"})


async def snapshot(database: Database) -> Snapshot:
    tables: Snapshot = {}
    async with database.unit_of_work() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in PRESENCE:
                continue
            rows = (await session.execute(select(table))).all()
            tables[table.name] = sorted(repr(tuple(row)) for row in rows)
    return tables


def changed_tables(before: Snapshot, after: Snapshot) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
