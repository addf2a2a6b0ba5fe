"""`clubos-tickets digest`: where the digest is posted, and `--now` one posted at once.

It builds only what posting needs (the database, the outbox sender and its Slack client),
not the server's runtime: no web app, Slack app, scheduler or triage."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import cli_settings, fail, require_current_schema
from app.settings import Settings
from bot.club import ConfigError

if TYPE_CHECKING:  # imported where used: `digest --now` starts with as little as it can
    from bot.followup.digest import DigestPosted
    from storage.models import OutboxMessageRow


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
    typer.echo(_post_now(settings))


def _post_now(settings: Settings) -> str:
    """Post one digest now; what was posted (the command fails when Slack refused it)."""
    # A command that allocates a bounded few MB and exits: the cyclic GC's passes over the
    # loaded modules' objects, and the last one at exit, were a third of its second
    # (0.90 s against 0.67 s at 100k tickets). Frozen objects are skipped at exit too.
    gc.disable()
    require_current_schema(settings.database_url)
    try:
        problem, summary = asyncio.run(_post_digest_now(settings))
    except ConfigError as exc:
        raise fail(f"Configuration error: {exc}") from None
    finally:
        gc.freeze()
    if problem:
        raise fail(problem, code=1)
    return summary


async def _post_digest_now(settings: Settings) -> tuple[str | None, str]:
    """Queue one digest, deliver it with the outbox sender, and say how it went:
    (what went wrong or None, what was posted)."""
    from datetime import UTC, datetime

    from app.slack_clients import threaded_delivery_client
    from bot.followup.digest import post_digest
    from bot.presence import Presence, this_process
    from delivery.sender import OutboxSender
    from storage.db import Database
    from storage.outbox import OutboxRepository

    database = Database(settings.database_url)
    presence = Presence(database, this_process())
    sender = OutboxSender(database, threaded_delivery_client(settings), presence)
    try:
        posted = await post_digest(
            database,
            settings.club,
            datetime.now(UTC),
            None,
            period=None,
        )
        assert posted is not None  # a digest asked for now claims no period
        await sender.drain()
        async with database.unit_of_work() as session:
            outbox = OutboxRepository(session)
            rows = [await outbox.get(row_id) for row_id in posted.outbox_ids]
    finally:
        await presence.leave()
        await database.dispose()
    return _outcome(posted, rows)


def _outcome(
    posted: DigestPosted, rows: Sequence[OutboxMessageRow | None]
) -> tuple[str | None, str]:
    """(what went wrong or None, what was posted), from the digest's outbox rows."""
    from storage.outbox import SENT

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
