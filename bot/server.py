"""`serve`: migrate (or check) the schema, then run the ASGI app under uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from bot.config import Settings
from storage import migrate as migrate_schema
from storage.db import Database
from web.app import create_app

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
    database = Database(settings.database_url)
    app = create_app(database)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    log.info("serve.start", extra={"host": host, "port": port, "slack": slack})
    try:
        await server.serve()
    finally:
        await database.dispose()
