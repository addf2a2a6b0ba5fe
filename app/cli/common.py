"""What the commands share: failing with a message, the settings, the schema check."""

from __future__ import annotations

import asyncio

import typer

from app.settings import Settings, load_settings
from bot import logs
from bot.club import ConfigError


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `message` on stderr; the exit to raise (`raise fail(...)`)."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def cli_settings() -> Settings:
    """The settings, with logging configured; a configuration error ends the command."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise fail(f"Configuration error: {exc}") from None
    logs.configure(settings.log_level, settings.log_format)
    return settings


def require_current_schema(database_url: str) -> None:
    """End the command (naming the fix) when the database schema is not the current one."""
    from storage import migrate  # Alembic: loaded by the commands that check the schema

    try:
        asyncio.run(migrate.ensure_current(database_url))
    except migrate.SchemaOutdated as exc:
        raise fail(str(exc)) from None
