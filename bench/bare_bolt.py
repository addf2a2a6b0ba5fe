"""The yardstick of the ack benchmarks: a bare `slack_bolt` AsyncApp that only acks, served
the way `serve` serves ours (uvicorn, Bolt's Starlette adapter, the signature checked).

    SLACK_API_URL=... .venv/bin/python bench/bare_bolt.py SIGNING_SECRET --port PORT
"""

from __future__ import annotations

import os
import sys
from typing import Any

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


def bare_app(signing_secret: str) -> Starlette:
    # Bolt asks auth.test once, on the first request: of the Slack stand-in, as ours does.
    client = AsyncWebClient(token="xoxb-bare", base_url=os.environ["SLACK_API_URL"])
    bolt = AsyncApp(client=client, signing_secret=signing_secret)

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    async def nothing(body: dict[str, Any]) -> None:
        """Events are acked by Bolt itself."""

    bolt.event("message")(nothing)
    bolt.command("/ticket")(only_ack)
    bolt.shortcut("new_ticket")(only_ack)
    bolt.action("home_page")(only_ack)
    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


if __name__ == "__main__":
    secret, port = sys.argv[1], int(sys.argv[sys.argv.index("--port") + 1])
    uvicorn.run(bare_app(secret), host="127.0.0.1", port=port)
