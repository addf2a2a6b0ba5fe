"""The product started the way `serve` starts it, against the Slack Web API stub and a
migrated database; requests go in as real signed HTTP through the ASGI app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from app import idle
from app.runtime import Runtime, build_runtime
from app.settings import Settings
from bot.tickets.domain import Ticket
from bot.tickets.service import TicketService
from standin.slack_api import SlackStub
from standin.slack_requests import DEFAULT_SIGNING_SECRET, SlackRequest, post_signed
from tests.support.paths import DATA

TEST_CONFIG = DATA / "clubos.test.toml"
OPERATOR = "U0OP1"
OTHER_OPERATOR = "U0OP2"
STRANGER = "U0MEMBER"
RELAY = "C0RELAY"  # Bedford's relay channel in the test config


@dataclass
class Harness:
    stub: SlackStub
    runtime: Runtime
    http: httpx.AsyncClient
    secret: str = DEFAULT_SIGNING_SECRET

    async def post(self, request: SlackRequest, **kwargs: Any) -> httpx.Response:
        return await post_signed(self.http, self.secret, request, **kwargs)

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until the app's background work is done and the outbox is delivered."""
        await idle.settle(self.runtime, timeout)

    async def tickets(self) -> list[Ticket]:
        async with self.runtime.database.unit_of_work() as session:
            return await TicketService(session).list()

    async def ticket(self, ticket_id: str) -> Ticket:
        async with self.runtime.database.unit_of_work() as session:
            return await TicketService(session).get(ticket_id)


def harness_settings(stub: SlackStub, db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": SecretStr("xoxb-test"),
        "slack_signing_secret": SecretStr(DEFAULT_SIGNING_SECRET),
        "slack_api_url": stub.base_url,
        "database_url": db_url,
        "clubos_config": TEST_CONFIG,
        "triage_backend": "rules",
        **overrides,
    }
    return Settings(_env_file=None, **values)


def llm_harness_settings(
    stub: SlackStub, llm_base_url: str, db_url: str, timeout_s: float, **overrides: Any
) -> Settings:
    """Settings with TRIAGE_BACKEND=llm against the OpenAI stub at `llm_base_url`."""
    return harness_settings(
        stub,
        db_url,
        triage_backend="llm",
        openai_api_key=SecretStr("x"),
        openai_base_url=llm_base_url,
        openai_timeout_s=timeout_s,
        **overrides,
    )


@pytest.fixture
async def harness(slack_stub: SlackStub, db_url: str) -> AsyncIterator[Harness]:
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url)) as started:
        yield started


@contextlib.asynccontextmanager
async def open_harness(
    stub: SlackStub, settings: Settings, *, start: bool = True
) -> AsyncIterator[Harness]:
    """A harness on other settings (another backend, another club config). With
    `start=False` the app answers Slack but no background worker runs: a process that
    stored events and died before working on them."""
    runtime = build_runtime(settings)
    if start:
        await runtime.start()
    try:
        transport = httpx.ASGITransport(app=runtime.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            yield Harness(stub, runtime, http)
    finally:
        await runtime.stop()
