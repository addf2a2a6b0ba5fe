"""A visitor on the dashboard, on each test's database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from standin.slack_api import SlackStub
from tests.web.dashboard.support import Browser, open_browser


@pytest.fixture
async def browser(slack_stub: SlackStub, db_url: str) -> AsyncIterator[Browser]:
    """Operator rights come from the config and the operator group (Slack: the stub)."""
    async with open_browser(db_url, slack_api_url=slack_stub.base_url) as visitor:
        yield visitor
