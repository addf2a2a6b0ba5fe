"""A real bolt `AsyncApp` behind Starlette (`AsyncSlackRequestHandler`), reached through
`httpx.ASGITransport`: what the signed-request builders are tested against."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from slack_bolt.async_app import AsyncApp

from standin.slack_api import SlackStub
from standin.slack_requests import post_signed

SECRET = "test-signing-secret"


@dataclass
class Bolt:
    app: AsyncApp
    http: httpx.AsyncClient
    stub: SlackStub
    seen: dict[str, list[Any]] = field(default_factory=dict)

    def record(self, kind: str, value: Any) -> None:
        self.seen.setdefault(kind, []).append(value)

    async def wait_seen(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[Any]:
        """Listeners go on after ack() (and events are acked first): poll for them."""
        deadline = time.monotonic() + timeout
        while len(self.seen.get(kind, [])) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"listener {kind!r} ran {self.seen.get(kind)}")
            await asyncio.sleep(0.01)
        return self.seen[kind]

    async def post(self, request: tuple[str, str], **kwargs: Any) -> httpx.Response:
        return await post_signed(self.http, SECRET, request, **kwargs)
