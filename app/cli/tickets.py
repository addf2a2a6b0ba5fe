"""The service and data commands: db, serve, export, import."""

from __future__ import annotations

import asyncio
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import cli_settings, fail, require_current_schema
from app.settings import DEFAULT_HOST, DEFAULT_PORT


def db_upgrade() -> None:
    """Apply pending schema migrations to DATABASE_URL."""
    from storage import migrate

    settings = cli_settings()
    migrate.upgrade(settings.database_url)
    typer.echo(f"Database schema is at revision {migrate.head_revision()}.")


def db_revision(message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """(Developers) autogenerate a migration from the models against DATABASE_URL."""
    from storage import migrate

    migrate.make_revision(cli_settings().database_url, message)


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    no_migrate: Annotated[
        bool, typer.Option("--no-migrate", help="Refuse an outdated schema instead of migrating.")
    ] = False,
    without_slack: Annotated[
        bool,
        typer.Option("--without-slack", help="Serve the HTTP API and health checks without Slack."),
    ] = False,
) -> None:
    """Run the service: Slack endpoint, API and health checks in one process."""
    from app.server import SlackTokensMissing, run_server
    from storage import migrate

    settings = cli_settings()
    try:
        asyncio.run(
            run_server(
                settings, host=host, port=port, migrate=not no_migrate, slack=not without_slack
            )
        )
    except (migrate.SchemaOutdated, SlackTokensMissing) as exc:
        raise fail(str(exc)) from None


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


def export_command(
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.JSON,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
) -> None:
    """Write every ticket as the contract's ticket JSON (a list) or as CSV."""
    from bot.tickets.transfer import export_tickets

    settings = cli_settings()
    require_current_schema(settings.database_url)
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        asyncio.run(export_tickets(settings.database_url, format.value, stream))
    finally:
        if output:
            stream.close()


def import_command(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import a JSON list of tickets (ids kept; tickets already present are skipped)."""
    from bot.tickets.transfer import ImportRejected, import_tickets

    settings = cli_settings()
    try:
        report = asyncio.run(import_tickets(settings.database_url, file))
    except ImportRejected as exc:
        raise fail(f"Nothing imported: {exc}", code=1) from None
    typer.echo(f"Imported {report.imported} tickets, skipped {report.skipped} already present.")
