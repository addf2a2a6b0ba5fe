"""The dashboard on the ASGI app: sessions and security headers, static files, pages."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from bot.access.links import SignInLinks
from bot.intake.conversation import Conversations
from bot.tickets.reads import ReadOperations
from bot.tickets.usecases import Operations
from web.dashboard.board import board_routes
from web.dashboard.login import login_routes
from web.dashboard.pages import STATIC
from web.dashboard.session import install_sessions
from web.dashboard.ticket_changes import ticket_routes
from web.dashboard.ticket_live import ticket_live_routes


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard works with. `sign_in` None: no secret, so no way to sign in."""

    reads: ReadOperations
    sign_in: SignInLinks | None
    session_secret: str
    https_only: bool  # PUBLIC_URL is https: the session cookie is Secure
    operations: Operations  # the ticket page's changes, the same use cases as Slack
    conversations: Conversations


def mount_dashboard(app: FastAPI, dashboard: Dashboard) -> None:
    install_sessions(app, dashboard.session_secret, dashboard.https_only)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(login_routes(dashboard.sign_in))
    app.include_router(board_routes(dashboard.reads))
    app.include_router(ticket_routes(dashboard.operations, dashboard.conversations))
    app.include_router(ticket_live_routes(dashboard.reads, dashboard.conversations))
