"""The digest of open tickets through the real parts: tickets in the database, the
runtime's scheduler job (or `digest --now` as a process), the outbox sender, the Slack stub.
Counts by status and priority per location, the SLA-breaching tickets first and then the
oldest, recurring problems named, and the chart uploaded as a PNG of a known size."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy
from matplotlib.image import imread
from slack_sdk.models.blocks import Block

from bot.followup.chart import COLOURS, HEIGHT_PX, WIDTH_PX
from bot.followup.digest import (
    CHART_FILENAME,
    PRIORITIES,
    Digest,
    DigestTicket,
    LocationDigest,
    build_digest,
    render_chart,
)
from bot.followup.jobs import Job
from bot.followup.recurrence import check_recurrence
from bot.tickets.domain import Category, Priority, Source, Status, Ticket, ticket_number
from bot.tickets.notices import Notifier
from bot.tickets.service import NewTicket, TicketService
from bot.tickets.status import OPEN_STATUSES
from slackui.views.digest import MAX_BLOCKS, digest_message
from storage.models import TicketRow
from tests.support.app_harness import OPERATOR, TEST_CONFIG, Harness
from tests.support.paths import REPO as ROOT
from tests.support.slack_stub import Call, SlackStub

AI = "OperatorGPT"
OPS = "C0OPS"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def as_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's first chunk, which must be IHDR."""
    assert data[:8] == PNG_SIGNATURE
    _length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


async def new_ticket(
    h: Harness,
    title: str,
    priority: Priority,
    location: str = "Bedford",
    bay: int | None = None,
    *,
    responded: bool = False,
    problem_key: str | None = None,
) -> Ticket:
    async with h.runtime.database.unit_of_work() as session:
        tickets = TicketService(session)
        ticket = await tickets.create(
            NewTicket(
                title=title,
                category=Category.TECH,
                priority=priority,
                location=location,
                bay=bay,
                created_by=OPERATOR if responded else AI,
                submitted_by="cust_1",
                source=Source.MESSAGE_THREAD,
                responded=responded,
                problem_key=problem_key,
            )
        )
        if problem_key is not None:
            notify = Notifier(session, h.runtime.operations.routed_channel, h.runtime.sender.wake)
            await check_recurrence(tickets, notify, ticket, datetime.now(UTC), actor=AI)
        return ticket


async def set_fields(h: Harness, ticket: Ticket, **fields: Any) -> None:
    """Move a ticket's clocks (set up only: the app never writes these by hand)."""
    async with h.runtime.database.unit_of_work() as session:
        row = await session.get(TicketRow, ticket_number(ticket.ticket_id))
        assert row is not None
        for name, value in fields.items():
            setattr(row, name, value)


async def run_digest_job(h: Harness) -> None:
    """What the scheduler does at the configured time: the runtime's own digest job."""
    scheduler = h.runtime.scheduler
    assert scheduler is not None and scheduler.running
    await scheduler.get_job(Job.DIGEST.value).func()
    await h.settle()


def digest_posts(stub: SlackStub) -> list[Call]:
    return [
        c
        for c in stub.calls("chat.postMessage")
        if c["channel"] == OPS and "Open tickets digest" in str(c.get("text"))
    ]


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def location_section(blocks: list[dict[str, Any]], location: str) -> str:
    return next(t for t in section_texts(blocks) if t.startswith(f"*{location}*"))


def valid_blocks(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000


async def test_digest_counts_per_location_breaching_first_then_oldest(harness: Harness) -> None:
    now = datetime.now(UTC)
    overdue = await new_ticket(harness, "Door controller offline", Priority.CRITICAL, bay=None)
    unanswered = await new_ticket(harness, "TrackMan frozen", Priority.HIGH, bay=2)
    recent = await new_ticket(harness, "Projector dim", Priority.MEDIUM, bay=3, responded=True)
    oldest = await new_ticket(harness, "Loose carpet", Priority.LOW, bay=1, responded=True)
    elsewhere = await new_ticket(harness, "Kiosk slow", Priority.HIGH, "Dartmouth", 5)
    fixed = await new_ticket(harness, "Balls out", Priority.LOW, bay=4, responded=True)
    await set_fields(harness, overdue, resolution_due_at=now - timedelta(hours=2))
    await set_fields(harness, unanswered, response_due_at=now - timedelta(minutes=10))
    # Opened last but three days ago: the oldest of the Bedford tickets within the SLA.
    await set_fields(harness, oldest, created_at=now - timedelta(days=3))
    await harness.runtime.operations.change_status(OPERATOR, recent.ticket_id, Status.IN_PROGRESS)
    await harness.runtime.operations.change_status(
        OPERATOR, fixed.ticket_id, Status.RESOLVED, resolution_notes="refilled"
    )
    await harness.settle()

    await run_digest_job(harness)

    [post] = digest_posts(harness.stub)
    blocks = post["blocks"]
    valid_blocks(blocks)
    assert post["text"] == ("Open tickets digest: 5 open, 2 past SLA, across 2 location(s)")
    summary = section_texts(blocks)[0]
    assert "*5 open*" in summary and "*2 past SLA*" in summary
    assert "Open 4 · In progress 1" in summary
    assert "Critical 1" in summary and "High 2" in summary and "Low 1" in summary

    bedford = location_section(blocks, "Bedford")
    assert bedford.startswith("*Bedford* — 4 open, 2 past SLA")
    assert "Open 3 · In progress 1" in bedford
    order = [t.ticket_id for t in (overdue, unanswered, oldest, recent)]
    positions = [bedford.index(f"*{ticket_id}*") for ticket_id in order]
    assert positions == sorted(positions), bedford
    assert "not resolved, 2 h past SLA" in bedford  # the critical's resolution clock
    assert "no first response" in bedford  # the high one nobody answered
    assert "open 3 d" in bedford
    assert fixed.ticket_id not in post["text"] + as_text(blocks)

    dartmouth = location_section(blocks, "Dartmouth")
    assert dartmouth.startswith("*Dartmouth* — 1 open\n")
    assert f"*{elsewhere.ticket_id}*" in dartmouth and "Bay 5" in dartmouth
    # Configured order: Bedford before Dartmouth.
    texts = section_texts(blocks)
    assert texts.index(bedford) < texts.index(dartmouth)


async def test_the_chart_is_uploaded_to_the_ops_channel_as_a_png(harness: Harness) -> None:
    await new_ticket(harness, "Projector dim", Priority.MEDIUM, bay=3)
    await new_ticket(harness, "Kiosk slow", Priority.HIGH, "Dartmouth")

    await run_digest_job(harness)

    [url_call] = harness.stub.calls("files.getUploadURLExternal")
    assert url_call["filename"] == CHART_FILENAME
    [upload] = harness.stub.calls("upload")
    assert png_size(upload.raw) == (WIDTH_PX, HEIGHT_PX)
    assert int(url_call["length"]) == len(upload.raw)
    [complete] = harness.stub.calls("files.completeUploadExternal")
    assert complete["channel_id"] == OPS
    assert complete["files"][0]["title"] == "Open tickets by location and priority"
    assert "Bedford: 1; Dartmouth: 1" in url_call["alt_txt"]
    # The message first, then its chart.
    methods = harness.stub.methods()
    assert methods.index("chat.postMessage") < methods.index("files.getUploadURLExternal")


async def test_chart_saved_as_png_has_the_expected_size_and_shows_the_bars(
    harness: Harness, tmp_path: Path
) -> None:
    for priority in (Priority.CRITICAL, Priority.HIGH, Priority.HIGH, Priority.LOW):
        await new_ticket(harness, "Screen flicker", priority, bay=2)
    await new_ticket(harness, "Door sticks", Priority.MEDIUM, "Dartmouth")
    digest = await build_digest(
        harness.runtime.database, harness.runtime.settings.club, datetime.now(UTC)
    )

    path = tmp_path / CHART_FILENAME
    path.write_bytes(render_chart(digest))

    data = path.read_bytes()
    assert len(data) > 5_000
    assert png_size(data) == (WIDTH_PX, HEIGHT_PX) == (1000, 500)
    pixels = imread(path)
    assert pixels.shape[:2] == (HEIGHT_PX, WIDTH_PX)
    # Not a blank image: every priority's colour is drawn, as bars, among text and axes.
    rgb = (pixels[:, :, :3] * 255).round().astype(numpy.uint32)
    packed = (rgb[:, :, 0] << 16) | (rgb[:, :, 1] << 8) | rgb[:, :, 2]
    for colour in COLOURS.values():
        assert (packed == int(colour[1:], 16)).sum() > 500, colour
    assert len(numpy.unique(packed)) > 10


async def test_recurring_problems_are_named(harness: Harness) -> None:
    for _ in range(3):
        await new_ticket(
            harness, "Projector dim", Priority.MEDIUM, bay=4, problem_key="projector_dim"
        )
    await harness.settle()

    await run_digest_job(harness)

    [post] = digest_posts(harness.stub)
    text = "\n".join(section_texts(post["blocks"]))
    assert "Recurring problems" in text
    assert "Bedford: 3 projector-dim tickets in Bay 4 this week" in text


async def test_an_empty_board_says_so_without_a_chart(harness: Harness) -> None:
    await run_digest_job(harness)

    [empty] = digest_posts(harness.stub)
    assert empty["text"] == "Open tickets digest: no open tickets"
    assert "No open tickets" in as_text(empty["blocks"])
    assert harness.stub.calls("files.getUploadURLExternal") == []  # no chart of nothing


async def test_titles_are_escaped(harness: Harness) -> None:
    await new_ticket(harness, "<!channel> <@U0OP1> fix & go", Priority.LOW)

    await run_digest_job(harness)

    posted = as_text(digest_posts(harness.stub)[0]["blocks"])
    assert "<!channel>" not in posted and "<@U0OP1>" not in posted
    assert "&lt;!channel&gt; &lt;@U0OP1&gt; fix &amp; go" in posted


def test_the_message_stays_within_slack_limits_with_many_locations() -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    entry = DigestTicket("T-1", "x" * 300, Priority.HIGH, Status.OPEN, 2, now - timedelta(days=1))
    locations = tuple(
        LocationDigest(
            f"Location {n}",
            {s: 3 for s in OPEN_STATUSES},
            {p: 2 for p in PRIORITIES[:-1]} | {PRIORITIES[-1]: 3},
            0,
            (entry,) * 5,
        )
        for n in range(80)
    )
    digest = Digest(OPS, now, locations)
    blocks = [b.to_dict() for b in digest_message(digest)]
    valid_blocks(blocks)
    assert len(blocks) == MAX_BLOCKS
    assert "…and 35 more locations with 315 open tickets" in as_text(blocks)
    assert Digest.from_json(json.loads(json.dumps(digest.to_json()))) == digest


def cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


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
            NewTicket(
                title="Projector dim",
                category=Category.TECH,
                priority=Priority.MEDIUM,
                location="Bedford",
                bay=3,
                created_by=AI,
                submitted_by="cust_1",
                source=Source.MESSAGE_THREAD,
            )
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
