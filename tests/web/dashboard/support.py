"""The dashboard as its tests drive it: an HTTP client on the app `serve` builds (without
Slack), signing in with a link as `/ticket web` would give it, tickets made quietly."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from app.runtime import Runtime, build_runtime
from app.settings import Settings
from bot.tickets.domain import Category, Priority, Source, Ticket, TicketDraft
from bot.tickets.service import TicketService
from tests.support.app_harness import OPERATOR, TEST_CONFIG
from tests.support.signin import link_issued_while_operator

SECRET = "dashboard-test-secret"


@dataclass
class Browser:
    """One visitor: an HTTP client with its own cookies, on the app of `runtime`."""

    http: httpx.AsyncClient
    runtime: Runtime

    async def link(self, user: str = OPERATOR) -> str:
        """The path of a fresh sign-in link for `user`: the app's own for an operator, else
        one issued while they were an operator (the app gives a non-operator none)."""
        assert self.runtime.sign_in is not None
        if await self.runtime.permissions.is_operator(user):
            return f"/login/{await self.runtime.sign_in.issue(user)}"
        return f"/login/{await link_issued_while_operator(self.runtime.database, SECRET, user)}"

    async def sign_in(self, user: str = OPERATOR) -> httpx.Response:
        return await self.http.post(await self.link(user))

    async def add(self, title: str, **fields: Any) -> Ticket:
        values: dict[str, Any] = {
            "category": Category.TECH,
            "priority": Priority.MEDIUM,
            "location": "Bedford",
            **fields,
        }
        async with self.runtime.database.unit_of_work() as session:
            return await TicketService(session).create(
                TicketDraft(title=title, **values), actor=OPERATOR, source=Source.MANUAL
            )


@asynccontextmanager
async def open_browser(db_url: str, **settings: Any) -> AsyncIterator[Browser]:
    """A visitor on the dashboard of `serve` for these settings (PUBLIC_URL decides
    whether the client speaks https)."""
    values: dict[str, Any] = {
        "database_url": db_url,
        "clubos_config": TEST_CONFIG,
        "dashboard_secret": SecretStr(SECRET),
        **settings,
    }
    runtime = build_runtime(Settings(_env_file=None, **values), slack=False)
    transport = httpx.ASGITransport(app=runtime.asgi)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=runtime.dashboard_url) as http:
            yield Browser(http, runtime)
    finally:
        await runtime.database.dispose()


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match is not None, "no CSRF field on the page"
    return match.group(1)


def set_cookie(response: httpx.Response) -> str:
    """The Set-Cookie header of the session cookie, lower case."""
    cookies = [v for v in response.headers.get_list("set-cookie") if "clubos_session" in v]
    assert len(cookies) == 1, response.headers
    return cookies[0].lower()
