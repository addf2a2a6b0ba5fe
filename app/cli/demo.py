"""`clubos-tickets demo`: the product at work with no Slack workspace (see app.demo.run)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import fail
from app.settings import DEFAULT_HOST, DEFAULT_PORT, Settings


def demo_command(
    once: Annotated[
        bool, typer.Option("--once", help="Exit after the replay and the transcript.")
    ] = False,
    port: Annotated[int, typer.Option(help="Port to serve on; 0 picks a free one.")] = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
) -> None:
    """Replay sample customer threads through the real app against a built-in Slack
    stand-in, print what happened, and serve the dashboard (no Slack tokens needed)."""
    from pydantic import ValidationError
    from rich.console import Console

    from app.demo.run import run_demo
    from app.demo.stage import CannotServe
    from bot import logs
    from bot.club import describe_validation_error

    try:
        base = Settings()
    except ValidationError as exc:
        raise fail(
            f"Configuration error: {describe_validation_error(exc, 'environment')}"
        ) from None
    folder = Path(tempfile.mkdtemp(prefix="clubos-demo-"))
    logs.configure(base.log_level, base.log_format, log_file=folder / "demo.log")
    console = Console(width=None if Console().is_terminal else 120)
    try:
        asyncio.run(run_demo(base, folder, host=host, port=port, once=once, console=console))
    except KeyboardInterrupt:
        console.print("Stopped.")
    except CannotServe as exc:
        raise fail(f"{exc} Try another --port, or --port 0 for a free one.") from None
