"""`serve`: migrate (or check) the schema, then run the ASGI app under uvicorn, with the
Slack app over HTTP or, when SLACK_APP_TOKEN is set, over Socket Mode."""

from __future__ import annotations

import gc
import logging

import uvicorn

from app.runtime import build_runtime
from app.settings import Settings
from handlers.edge.socket_mode import CheckedSocketModeHandler
from storage import migrate as migrate_schema

log = logging.getLogger("clubos.server")


class SlackTokensMissing(Exception):
    pass


def check_slack_settings(settings: Settings) -> None:
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
        )
        if value is None
    ]
    # Socket Mode needs no signing secret: Slack's WebSocket carries no signatures.
    if settings.slack_app_token is not None and missing == ["SLACK_SIGNING_SECRET"]:
        return
    if missing:
        raise SlackTokensMissing(
            f"Slack is not configured: {' and '.join(missing)} not set. Create the app from "
            "manifest.yml (see README), put its tokens in the environment or .env, and start "
            "again; or run `clubos-tickets serve --without-slack` for the API and health "
            "checks only."
        )


async def run_server(
    settings: Settings, *, host: str, port: int, migrate: bool, slack: bool
) -> None:
    if slack:
        check_slack_settings(settings)
    if migrate:
        await migrate_schema.upgrade_async(settings.database_url)
    else:
        await migrate_schema.ensure_current(settings.database_url)
    runtime = build_runtime(settings, slack=slack, dashboard_url=settings.dashboard_url(host, port))
    # What start-up loaded lives as long as the process: out of the cyclic GC's full passes,
    # which otherwise walk it all again and again (request tails of tens of milliseconds).
    gc.freeze()
    server = uvicorn.Server(
        uvicorn.Config(runtime.asgi, host=host, port=port, log_config=None, lifespan="on")
    )
    socket_mode = None
    if runtime.slack is not None and settings.slack_app_token is not None:
        socket_mode = CheckedSocketModeHandler(
            runtime.slack, settings.slack_app_token.get_secret_value()
        )
        await socket_mode.connect_async()  # type: ignore[no-untyped-call]  # untyped in slack_bolt
    log.info(
        "serve.start",
        extra={"host": host, "port": port, "slack": slack, "socket_mode": socket_mode is not None},
    )
    try:
        await server.serve()
    finally:
        if socket_mode is not None:
            await socket_mode.close_async()  # type: ignore[no-untyped-call]
