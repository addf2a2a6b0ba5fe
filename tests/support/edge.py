"""For the edge tests: what the database holds (to show a refused request wrote nothing),
and an app harness with a system-events token and an API token."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from pydantic import SecretStr
from sqlalchemy import text

from standin.slack_api import SlackStub
from storage.db import Database
from tests.support.app_harness import Harness, harness_settings, open_harness

TOKEN = "edge-token"
TABLES = ("tickets", "ticket_events", "inbox_events", "outbox_messages", "ticket_messages")


async def stored_rows(database: Database) -> dict[str, int]:
    async with database.unit_of_work() as session:
        return {
            table: (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            for table in TABLES
        }


@contextlib.asynccontextmanager
async def edge_harness(stub: SlackStub, db_url: str, **overrides: object) -> AsyncIterator[Harness]:
    settings = harness_settings(
        stub,
        db_url,
        system_events_token=SecretStr(TOKEN),
        api_token=SecretStr(TOKEN),
        **overrides,
    )
    async with open_harness(stub, settings) as harness:
        yield harness
