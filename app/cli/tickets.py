"""The service and data commands: db, serve, export, import, digest."""

from __future__ import annotations

import asyncio
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import cli_settings, fail, require_current_schema
from app.settings import DEFAULT_HOST, DEFAULT_PORT, Settings
from bot.club import ConfigError
from storage import migrate


def db_upgrade() -> None:
    """Apply pending schema migrations to DATABASE_URL."""
    settings = cli_settings()
    migrate.upgrade(settings.database_url)
    typer.echo(f"Database schema is at revision {migrate.head_revision()}.")


def db_revision(message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """(Developers) autogenerate a migration from the models against DATABASE_URL."""
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


def digest_command(
    now: Annotated[
        bool, typer.Option("--now", help="Post one digest to the ops channel now, then exit.")
    ] = False,
) -> None:
    """The digest of open tickets: `serve` posts it on the configured schedule; --now posts
    one at once (through the outbox, like every Slack post)."""
    settings = cli_settings()
    club = settings.club
    if not now:
        typer.echo(
            f"`serve` posts the digest to {club.slack.ops_channel} on the schedule "
            f"'{club.digest.cron}' ({club.digest.timezone}). "
            "Run `clubos-tickets digest --now` to post one now."
        )
        return
    if settings.slack_bot_token is None:
        raise fail(
            "Slack is not configured: SLACK_BOT_TOKEN not set, so there is nowhere to post the "
            "digest. Put the bot token in the environment or .env (see README) and run again."
        )
    require_current_schema(settings.database_url)
    try:
        problem, summary = asyncio.run(_post_digest_now(settings))
    except ConfigError as exc:
        raise fail(f"Configuration error: {exc}") from None
    if problem:
        raise fail(problem, code=1)
    typer.echo(summary)


async def _post_digest_now(settings: Settings) -> tuple[str | None, str]:
    """Queue one digest, deliver it with the outbox sender, and say how it went:
    (what went wrong or None, what was posted)."""
    from datetime import UTC, datetime

    from app.runtime import build_runtime
    from bot.followup.digest import post_digest
    from storage.outbox import SENT, OutboxRepository

    runtime = build_runtime(settings, slack=False)
    try:
        posted = await post_digest(
            runtime.database, settings.club, datetime.now(UTC), None, period=None
        )
        assert posted is not None  # a digest asked for now claims no period
        await runtime.sender.drain()
        async with runtime.database.unit_of_work() as session:
            outbox = OutboxRepository(session)
            rows = [await outbox.get(row_id) for row_id in posted.outbox_ids]
    finally:
        await runtime.stop()
    errors = [
        row.last_error or row.status for row in rows if row is not None and row.status != SENT
    ]
    digest = posted.digest
    if errors:
        return (
            f"Slack did not take the digest ({'; '.join(errors)}). It stays in the outbox; "
            "a running `serve` retries it.",
            "",
        )
    chart = ", with the chart" if len(posted.outbox_ids) > 1 else ""
    return None, (
        f"Posted the digest to {digest.channel}{chart}: {digest.total} open "
        f"ticket{'' if digest.total == 1 else 's'}, {digest.breaching} past SLA."
    )
