"""Where the surface matrix acts: the product as `serve` builds it (signed Slack requests,
real HTTP through its ASGI app, the Slack stub), a ticket with its cards posted and a
closure suggestion under it; dashboard visitors; and what a person was shown."""

from __future__ import annotations

import json
import secrets
import time
from base64 import b64encode
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from itsdangerous import TimestampSigner

from bot.tickets.domain import Ticket
from slackui.ids import Action, ViewId
from standin.slack_api.recording import Call
from tests.handlers.helpers.cards import Card, posted, thread_card
from tests.handlers.helpers.command import make
from tests.support.app_harness import RELAY, Harness
from tests.web.dashboard.support import csrf_of

SYSTEM_EVENTS_TOKEN = "matrix-system-events-token"
FORMS = {view.value for view in ViewId}  # modals that ask for a change (not notices)
SHOWN_BY = ("response_url", "chat.postEphemeral", "views.open")  # where a person reads


@dataclass
class Stage:
    h: Harness
    ticket: Ticket  # open, its cards in its customer thread and its routed channel

    def card(self) -> Card:
        return thread_card(self.h)

    def suggestion(self) -> Card:
        return posted(self.h, RELAY, Action.ACCEPT_CLOSE.value)

    async def current(self) -> Ticket:
        return await self.h.ticket(self.ticket.ticket_id)


async def set_stage(h: Harness) -> Stage:
    ticket = await make(h)
    await h.runtime.operations.suggest_close(ticket.ticket_id, "Looks fixed", "rules")
    await h.settle()
    return Stage(h, ticket)


def shown(calls: list[Call], answer: str) -> str:
    """Everything a person was shown: the HTTP answer (a modal's errors, a page), the
    command's and actions' responses, ephemeral messages and opened modals."""
    texts = [answer] + [json.dumps(c.body) for c in calls if c.method in SHOWN_BY]
    return "\n".join(texts)


def forms_opened(calls: list[Call]) -> list[str]:
    """The callback ids of form modals opened (a notice modal has none)."""
    opened = [c for c in calls if c.method == "views.open"]
    views = [json.loads(c["view"]) if isinstance(c["view"], str) else c["view"] for c in opened]
    return [v["callback_id"] for v in views if v.get("callback_id") in FORMS]


def session_cookie(secret: str, user: str, csrf: str) -> str:
    """The dashboard's session cookie (Starlette's signed one) of a session `user` opened
    while an operator: it outlives a change of the config, and a restart, for 12 hours."""
    data = {"user": user, "signed_in_at": int(time.time()), "csrf": csrf}
    return TimestampSigner(secret).sign(b64encode(json.dumps(data).encode())).decode()


@dataclass
class Visitor:
    http: httpx.AsyncClient
    csrf: str


@asynccontextmanager
async def browser(stage: Stage) -> AsyncIterator[httpx.AsyncClient]:
    """A browser on the app, with no cookie yet."""
    runtime = stage.h.runtime
    transport = httpx.ASGITransport(app=runtime.asgi)
    async with httpx.AsyncClient(transport=transport, base_url=runtime.dashboard_url) as http:
        yield http


def carry_session(stage: Stage, http: httpx.AsyncClient, who: str) -> str:
    """Give the browser the cookie of a session `who` opened while an operator; its CSRF
    token."""
    csrf = secrets.token_urlsafe(16)
    secret = stage.h.runtime.settings.dashboard_signing_key()
    assert secret is not None
    http.cookies.set("clubos_session", session_cookie(secret, who, csrf))
    return csrf


@asynccontextmanager
async def visitor(stage: Stage, who: str) -> AsyncIterator[Visitor]:
    """A dashboard visitor signed in as `who`: with a sign-in link when the app gives them
    one (an operator), else with the cookie of a session from when they were one."""
    runtime = stage.h.runtime
    async with browser(stage) as http:
        if not await runtime.permissions.is_operator(who):
            yield Visitor(http, carry_session(stage, http, who))
            return
        assert runtime.sign_in is not None
        await http.post(f"/login/{await runtime.sign_in.issue(who)}")
        page = await http.get(f"/tickets/{stage.ticket.ticket_id}")
        yield Visitor(http, csrf_of(page.text))
