"""The real product served over HTTP for a browser: the runtime `serve` builds (against
the Slack stub and a migrated database) under uvicorn on a free port, in a task of the
test's own loop, with PUBLIC_URL pointing at it; and sign-in links got the way an operator
gets them."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import uvicorn

from standin.slack_api import SlackStub
from tests.handlers.helpers.command import ask, shown
from tests.support.app_harness import OPERATOR, Harness, harness_settings, open_harness
from tests.support.signin import link_issued_while_operator

# Set explicitly (DASHBOARD_SECRET) so a test can issue a link the app will accept.
DASHBOARD_SECRET = "browser-tests-dashboard-secret"
STARTUP_TIMEOUT_S = 10.0


@dataclass
class ServedApp:
    harness: Harness
    url: str  # PUBLIC_URL: where the browser reaches the app

    async def sign_in_link(self, user: str = OPERATOR) -> str:
        """The link `/ticket web` answers `user` with, read where Slack shows it (the
        command's response_url, ephemeral)."""
        answer = shown(await ask(self.harness, "web", user, read=True))
        match = re.search(re.escape(self.url) + r"/login/[\w.\-]+", answer)
        assert match is not None, f"no sign-in link in the answer to /ticket web: {answer}"
        return match.group(0)

    async def link_issued_for(self, user: str, *, ago: timedelta = timedelta(0)) -> str:
        """A link issued straight by the sign-in links, for anyone (as if they were an
        operator when it was issued: neither `/ticket web` nor the sign-in links give one
        to a non-operator), as if issued `ago`."""
        token = await link_issued_while_operator(
            self.harness.runtime.database, DASHBOARD_SECRET, user, datetime.now(UTC) - ago
        )
        return f"{self.url}/login/{token}"


@contextlib.asynccontextmanager
async def served_app(stub: SlackStub, db_url: str) -> AsyncIterator[ServedApp]:
    """The app listening on 127.0.0.1 (a free port) until the block ends."""
    with socket.socket() as sock:
        # Bound before the settings are made: PUBLIC_URL must name the port it serves on.
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings = harness_settings(stub, db_url, public_url=url, dashboard_secret=DASHBOARD_SECRET)
        async with open_harness(stub, settings) as harness:
            # The harness started the runtime; uvicorn must not start it a second time.
            config = uvicorn.Config(
                harness.runtime.asgi, lifespan="off", log_config=None, access_log=False
            )
            server = uvicorn.Server(config)
            serving = asyncio.create_task(server.serve(sockets=[sock]), name="uvicorn")
            try:
                await _started(server, serving)
                yield ServedApp(harness, url)
            finally:
                server.should_exit = True
                await serving


async def _started(server: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT_S
    while not server.started:
        if serving.done():
            serving.result()  # raises what stopped it
            raise AssertionError("uvicorn stopped before it started serving")
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"uvicorn did not start within {STARTUP_TIMEOUT_S} s")
        await asyncio.sleep(0.01)
