"""The stage the demo plays on: the Slack stand-in, the product built as `serve` builds
it (settings, runtime, uvicorn on a real port) and the signed HTTP client Slack would be.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import httpx
import uvicorn
from pydantic import SecretStr

from app import idle
from app.runtime import Runtime, build_runtime
from app.settings import Settings
from standin.slack_api import SlackStub
from storage import migrate

#: Posts and clicks settle within this; a replay step that takes longer is a fault.
SETTLE_TIMEOUT_S = 30.0


class CannotServe(Exception):
    """The demo's address is taken or not ours to bind."""


@dataclass
class Stage:
    stand_in: SlackStub
    runtime: Runtime
    http: httpx.AsyncClient  # to the product's own port, as Slack and monitoring reach it
    server: uvicorn.Server
    url: str
    signing_secret: str
    events_token: str
    folder: Path  # the demo's files: database (unless DATABASE_URL), log, digest chart
    serving: asyncio.Task[None]  # uvicorn; ends on Ctrl-C (or `stop()`)

    def stop(self) -> None:
        self.server.should_exit = True

    async def settle(self) -> None:
        """Wait until every request's work is done: listeners, triage and Slack posts."""
        await idle.settle(self.runtime, SETTLE_TIMEOUT_S)


def demo_settings(base: Settings, stand_in: SlackStub, folder: Path, url: str) -> Settings:
    """`base` (the environment: an LLM, a DATABASE_URL) with Slack replaced by the stand-in,
    the sample club and fresh secrets; the database a fresh file unless DATABASE_URL is set."""
    values = base.model_dump()
    values.update(
        slack_bot_token=SecretStr("xoxb-demo"),
        slack_signing_secret=SecretStr(secrets.token_urlsafe(24)),
        slack_app_token=None,
        slack_api_url=stand_in.base_url,
        clubos_config=Path(str(resources.files("bot") / "clubos.example.toml")),
        system_events_token=SecretStr(secrets.token_urlsafe(24)),
        dashboard_secret=SecretStr(secrets.token_urlsafe(32)),
        public_url=url,
    )
    if "database_url" not in base.model_fields_set:
        values["database_url"] = f"sqlite+aiosqlite:///{folder / 'demo.db'}"
    return Settings(_env_file=None, **values)


@contextlib.asynccontextmanager
async def open_stage(base: Settings, folder: Path, host: str, port: int) -> AsyncIterator[Stage]:
    """The product serving on `host:port` (0: a free port) against the stand-in."""
    try:
        listener = socket.create_server((host, port))
    except OSError as exc:
        raise CannotServe(f"Cannot serve on {host}:{port}: {exc.strerror or exc}.") from None
    url = f"http://{host}:{listener.getsockname()[1]}"
    with SlackStub() as stand_in:
        settings = demo_settings(base, stand_in, folder, url)
        await migrate.upgrade_async(settings.database_url)
        runtime = build_runtime(settings, dashboard_url=url)
        server = uvicorn.Server(
            uvicorn.Config(
                runtime.asgi, log_config=None, lifespan="on", timeout_graceful_shutdown=3
            )
        )
        serving = asyncio.create_task(server.serve(sockets=[listener]), name="demo-server")
        try:
            while not server.started and not serving.done():
                await asyncio.sleep(0.02)
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                yield Stage(
                    stand_in,
                    runtime,
                    http,
                    server,
                    url,
                    _secret(settings.slack_signing_secret),
                    _secret(settings.system_events_token),
                    folder,
                    serving,
                )
        finally:
            server.should_exit = True
            await serving


def _secret(value: SecretStr | None) -> str:
    assert value is not None  # demo_settings sets it
    return value.get_secret_value()
