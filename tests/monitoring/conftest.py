"""The `events` fixture: the whole app `serve` builds, with SYSTEM_EVENTS_TOKEN set."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from standin.slack_api import SlackStub
from tests.monitoring.support import TOKEN
from tests.support.app_harness import Harness, harness_settings, open_harness


@pytest.fixture
async def events(slack_stub: SlackStub, db_url: str) -> AsyncIterator[Harness]:
    """The whole app with SYSTEM_EVENTS_TOKEN set."""
    settings = harness_settings(slack_stub, db_url, system_events_token=SecretStr(TOKEN))
    async with open_harness(slack_stub, settings) as harness:
        yield harness
