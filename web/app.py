"""The ASGI application behind `serve`: Slack's endpoint, the read API, health, and the
dashboard under `/`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from bot.monitoring.service import SystemEvents
from bot.tickets.reads import ReadOperations
from web.api import create_api
from web.body_limit import DEFAULT_MAX_BODY_BYTES, BodyLimit
from web.dashboard.mount import Dashboard, mount_dashboard
from web.system_events import create_system_events_router

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
# Why the database cannot answer now, or None when it can.
HealthCheck = Callable[[], Awaitable[str | None]]
# Slack's endpoint: the signature checked and the payload read before Bolt sees it.
SlackEndpoint = Callable[[Request], Awaitable[Response]]


def create_app(
    reads: ReadOperations,
    health: HealthCheck,
    *,
    triage: str,
    triage_weights: Callable[[], str | None] = lambda: None,
    api_token: str | None = None,
    slack: SlackEndpoint | None = None,
    lifespan: Lifespan | None = None,
    system_events: SystemEvents | None = None,
    system_events_token: str | None = None,
    dashboard: Dashboard | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    app = FastAPI(title="ClubOS Tickets", version="0.1.0", lifespan=lifespan)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.include_router(create_api(reads, api_token))
    if system_events is not None:
        app.include_router(create_system_events_router(system_events, system_events_token))

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return _health_answer(await health(), triage, triage_weights())

    if dashboard is not None:
        mount_dashboard(app, dashboard)

    if slack is not None:
        app.post("/slack/events", include_in_schema=False)(slack)

    return app


def _health_answer(reason: str | None, triage: str, weights: str | None) -> JSONResponse:
    if reason is not None:
        return JSONResponse(
            {"status": "unavailable", "reason": f"database: {reason}", "triage": triage},
            status_code=503,
        )
    # Triage without its model still works (on the rules): said, but still healthy.
    answer = {"status": "ok", "database": "ok", "triage": triage}
    # Which weights the local model reads: "shipped", or retrained ones from the database.
    return JSONResponse(answer if weights is None else answer | {"triage_weights": weights})
