"""`clubos-tickets demo`: the whole product in one process with no Slack workspace.

The real app (listeners, use cases, triage, scheduler, dashboard) serves on a real port
against the in-process Slack stand-in; the script is replayed through its HTTP
endpoints with a progress bar; then the transcript, the tickets, the digest chart and a
one-time dashboard sign-in link are printed, and it keeps serving until Ctrl-C.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from app.demo import transcript
from app.demo.replay import Replay
from app.demo.script import OPERATOR, PEOPLE, STEPS, describe
from app.demo.stage import Stage, open_stage
from app.settings import Settings


async def run_demo(
    base: Settings, folder: Path, *, host: str, port: int, once: bool, console: Console
) -> None:
    async with open_stage(base, folder, host, port) as stage:
        for user_id, name in PEOPLE.items():
            stage.stand_in.set_user(user_id, real_name=name, name=name)
        replay = Replay(stage)
        await _play(replay, console)
        await transcript.show(console, replay)
        await _say_where_things_are(stage, replay, console)
        if once:
            stage.stop()
            await stage.serving
            return
        console.print(f"\nServing at {stage.url} (Slack stand-in inside). Ctrl-C stops.")
        await stage.serving
        # Reached when the interrupt was not re-raised as KeyboardInterrupt (SIGINT ignored
        # by a parent shell, or SIGTERM's handler): the CLI says it otherwise.
        console.print("Stopped.")


async def _play(replay: Replay, console: Console) -> None:
    columns = (
        TextColumn("Replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=console, transient=console.is_terminal) as progress:
        task = progress.add_task("", total=len(STEPS))
        for step in STEPS:
            progress.update(task, description=describe(step))
            await replay.perform(step)
            progress.advance(task)


async def _say_where_things_are(stage: Stage, replay: Replay, console: Console) -> None:
    console.print(
        f"\nDemo files (log, chart; the database unless DATABASE_URL): {stage.folder}",
        soft_wrap=True,
    )
    if replay.chart:
        console.print(f"Digest chart saved: {replay.chart}")
    sign_in = stage.runtime.sign_in
    if sign_in is not None:
        token = await sign_in.issue(OPERATOR)
        console.print(
            f"Dashboard, signed in as {PEOPLE[OPERATOR]} (link works once, for 10 minutes):"
        )
        # Never wrapped: a link broken over two lines does not work when copied.
        console.print(f"  {stage.url}/login/{token}", soft_wrap=True)
