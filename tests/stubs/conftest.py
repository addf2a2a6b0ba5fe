"""The `bolt` fixture (a bolt app on the Slack stub, for the signed-request tests) and
`client` (a real `openai` client on the OpenAI stub)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import openai
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from standin.slack_api import SlackStub
from tests.stubs.bolt_app import SECRET, Bolt
from tests.support.openai_stub import OpenAIStub


@pytest.fixture
async def bolt(slack_stub: SlackStub) -> AsyncIterator[Bolt]:
    app = AsyncApp(client=slack_stub.client(), signing_secret=SECRET)
    handler = AsyncSlackRequestHandler(app)

    async def endpoint(request: Request) -> Response:
        return await handler.handle(request)

    web = Starlette(routes=[Route("/slack/events", endpoint, methods=["POST"])])
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Bolt(app=app, http=http, stub=slack_stub)


@pytest.fixture
async def client(openai_stub: OpenAIStub) -> AsyncIterator[openai.AsyncOpenAI]:
    c = openai.AsyncOpenAI(base_url=openai_stub.base_url, api_key="x", timeout=0.5, max_retries=0)
    yield c
    await c.close()
