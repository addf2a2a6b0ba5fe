"""The `clubos-tickets` command line."""

from __future__ import annotations

import asyncio
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app.settings import Settings, load_settings
from bot import logs
from bot.club import ConfigError
from storage import migrate
from storage.db import Database

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="ClubOS Tickets",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema commands.")
app.add_typer(db_app, name="db")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise _fail(f"Configuration error: {exc}") from None
    logs.configure(settings.log_level)
    return settings


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending schema migrations to DATABASE_URL."""
    settings = _settings()
    migrate.upgrade(settings.database_url)
    typer.echo(f"Database schema is at revision {migrate.head_revision()}.")


@db_app.command("revision", hidden=True)
def db_revision(message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """(Developers) autogenerate a migration from the models against DATABASE_URL."""
    migrate.make_revision(_settings().database_url, message)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 3000,
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

    settings = _settings()
    try:
        asyncio.run(
            run_server(
                settings, host=host, port=port, migrate=not no_migrate, slack=not without_slack
            )
        )
    except (migrate.SchemaOutdated, SlackTokensMissing) as exc:
        raise _fail(str(exc)) from None


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


@app.command("export")
def export_command(
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.JSON,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
) -> None:
    """Write every ticket as the contract's ticket JSON (a list) or as CSV."""
    from bot.tickets.transfer import export_tickets

    settings = _settings()
    try:
        asyncio.run(migrate.ensure_current(settings.database_url))
    except migrate.SchemaOutdated as exc:
        raise _fail(str(exc)) from None
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        asyncio.run(export_tickets(settings.database_url, format.value, stream))
    finally:
        if output:
            stream.close()


@app.command("import")
def import_command(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import a JSON list of tickets (ids kept; tickets already present are skipped)."""
    from bot.tickets.transfer import ImportRejected, import_tickets

    settings = _settings()
    try:
        report = asyncio.run(import_tickets(settings.database_url, file))
    except ImportRejected as exc:
        raise _fail(f"Nothing imported: {exc}", code=1) from None
    typer.echo(f"Imported {report.imported} tickets, skipped {report.skipped} already present.")


@app.command("digest")
def digest_command(
    now: Annotated[
        bool, typer.Option("--now", help="Post one digest to the ops channel now, then exit.")
    ] = False,
) -> None:
    """The digest of open tickets: `serve` posts it on the configured schedule; --now posts
    one at once (through the outbox, like every Slack post)."""
    settings = _settings()
    club = settings.club
    if not now:
        typer.echo(
            f"`serve` posts the digest to {club.slack.ops_channel} on the schedule "
            f"'{club.digest.cron}' ({club.digest.timezone}). "
            "Run `clubos-tickets digest --now` to post one now."
        )
        return
    if settings.slack_bot_token is None:
        raise _fail(
            "Slack is not configured: SLACK_BOT_TOKEN not set, so there is nowhere to post the "
            "digest. Put the bot token in the environment or .env (see README) and run again."
        )
    try:
        asyncio.run(migrate.ensure_current(settings.database_url))
    except migrate.SchemaOutdated as exc:
        raise _fail(str(exc)) from None
    try:
        problem, summary = asyncio.run(_post_digest_now(settings))
    except ConfigError as exc:
        raise _fail(f"Configuration error: {exc}") from None
    if problem:
        raise _fail(problem, code=1)
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


async def _learning_database(settings: Settings) -> Database | None:
    """The database the LLM learns flagged tickets from, when there is one at the current
    schema (a missing SQLite file is not created); else None: no learned examples."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import is_sqlite

    url = settings.database_url
    if is_sqlite(url):
        path = make_url(url).database
        if not path or path == ":memory:" or not Path(path).is_file():
            return None
    try:
        await migrate.ensure_current(url)
    except (migrate.SchemaOutdated, SQLAlchemyError, OSError) as exc:
        typer.echo(f"No learned examples (database not usable: {exc})", err=True)
        return None
    return Database(url)


@app.command("triage")
def triage_command(
    text: Annotated[str | None, typer.Argument(help="The customer message to triage.")] = None,
    location: Annotated[
        str | None, typer.Option("--location", "-l", help="The channel's location (any name).")
    ] = None,
    bay: Annotated[int | None, typer.Option("--bay", "-b", help="The bay, if known.")] = None,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help='Read {"id","text","location","bay"} lines on stdin; write a decision line each.',
        ),
    ] = False,
    score_file: Annotated[
        Path | None,
        typer.Option(
            "--score",
            exists=True,
            dir_okay=False,
            help="Score the backend on a labelled jsonl file (ticket F1, category/priority acc.).",
        ),
    ] = None,
) -> None:
    """Decide whether a customer message deserves a ticket with the configured backend
    (TRIAGE_BACKEND; with no OPENAI_API_KEY the embedded rules, no network)."""
    import json

    from app.classifier import build_classifier, uses_llm
    from bot.triage import engine, scoring
    from bot.triage.rules import RulesClassifier

    if text is None and not jsonl and score_file is None:
        raise _fail('Give the message text (e.g. triage "no balls in bay 2"), or --jsonl.')
    settings = _settings()
    club = settings.club
    known = tuple(loc.name for loc in club.locations)
    sops = {sop.device: sop.procedure for sop in club.sops} or None

    with asyncio.Runner() as runner:
        database = runner.run(_learning_database(settings)) if uses_llm(settings) else None
        try:
            classifier = build_classifier(settings, database)
        except ConfigError as exc:
            if database is not None:
                runner.run(database.dispose())
            raise _fail(f"Configuration error: {exc}") from None
        backend = "rules" if isinstance(classifier, RulesClassifier) else "llm"

        def decide(inp: engine.TriageInput) -> engine.TriageDecision:
            return runner.run(engine.triage(inp, classifier, sops=sops))

        try:
            if score_file is not None:
                try:
                    examples = scoring.load_examples(score_file)
                except scoring.ExampleError as exc:
                    raise _fail(str(exc)) from None
                scores, _ = scoring.evaluate(examples, decide, known)
                typer.echo(f"{score_file} ({backend} backend)")
                typer.echo(scores.report())
                for miss in scores.misses:
                    typer.echo(
                        f"  miss {miss.id} {miss.field}: expected {miss.expected}, got {miss.got}"
                    )
                return
            if jsonl:
                bad = 0
                for number, line in enumerate(sys.stdin, 1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                        inp = engine.input_from_json(row, known)
                    except (json.JSONDecodeError, engine.BadLine) as exc:
                        bad += 1
                        typer.echo(f"line {number}: skipped, {exc}", err=True)
                        continue
                    out = engine.contract_row(row.get("id"), decide(inp))
                    print(json.dumps(out), flush=True)
                if bad:
                    raise typer.Exit(1)
                return
            assert text is not None
            inp = engine.TriageInput(text=text, location=location, bay=bay, known_locations=known)
            typer.echo(json.dumps(engine.decision_json(decide(inp))))
        finally:
            aclose = getattr(classifier, "aclose", None)
            if aclose is not None:
                runner.run(aclose())
            if database is not None:
                runner.run(database.dispose())


def main() -> None:
    app()
