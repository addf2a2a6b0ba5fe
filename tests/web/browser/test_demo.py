"""`clubos-tickets demo` serving, seen in a browser: its sign-in link opens the board with
the replayed tickets, a ticket page shows the customers' conversation, and Ctrl-C stops
it cleanly; and the demo screenshots in docs/screenshots (SAVE_SCREENSHOTS=1)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from app.demo.script import STEPS, THREADS, CustomerSays
from tests.support.cli import CLI
from tests.support.demo import DEMO_TIMEOUT_S, SIGN_IN_LINK, demo_env, threads_shown
from tests.web.browser.pages import DESKTOP, fresh_page, save_screenshot, sign_in, watch_errors

pytestmark = pytest.mark.asyncio(loop_scope="session")

STOP_TIMEOUT_S = 10.0
REPLAYED = [f"T-{n}" for n in range(1, 7)]
TOILET = ("Halifax", "Marco D.")  # the ticket both Halifax toilet threads share


@dataclass
class Demo:
    process: asyncio.subprocess.Process
    url: str  # where it serves
    link: str  # the one-time sign-in link it printed
    printed: str  # stdout up to the link: the transcript and the tickets table


def _default_sigint() -> None:
    """Ctrl-C as in a terminal, even where this test run was started with SIGINT ignored
    (a background job), which the child would otherwise inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


async def _printed_until_link(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    printed = ""
    while SIGN_IN_LINK.search(printed) is None:
        line = await process.stdout.readline()
        if not line:
            assert process.stderr is not None
            stderr = (await process.stderr.read()).decode()
            raise AssertionError(f"the demo ended with no sign-in link:\n{printed}\n{stderr}")
        printed += line.decode()
    return printed


@contextlib.asynccontextmanager
async def demo_serving(scratch: Path) -> AsyncIterator[Demo]:
    """`demo --port 0` (not --once) once it printed its sign-in link; killed after if
    still running."""
    process = await asyncio.create_subprocess_exec(
        *CLI,
        "demo",
        "--port",
        "0",
        env=demo_env(f"sqlite+aiosqlite:///{scratch / 'demo.db'}", scratch),
        cwd=scratch,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=_default_sigint,
    )
    try:
        printed = await asyncio.wait_for(_printed_until_link(process), DEMO_TIMEOUT_S)
        match = SIGN_IN_LINK.search(printed)
        assert match is not None
        yield Demo(process, match.group(1), match.group(0).strip(), printed)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def toilet_conversation() -> list[str]:
    """What the customers of both Halifax toilet threads say in the script."""
    keys = {t.key for t in THREADS if t.location == "Halifax" and "toilet" in t.key}
    return [s.text for s in STEPS if isinstance(s, CustomerSays) and s.thread in keys]


async def see_the_board_and_the_toilet_ticket(page: Page, demo: Demo) -> None:
    errors = watch_errors(page)
    await sign_in(page, demo.link, demo.url)
    for ticket_id in REPLAYED:
        await expect(page.get_by_test_id(f"ticket-{ticket_id}")).to_be_visible()
    await save_screenshot(page, "demo-board.png")

    shown = {(t.location, t.customer): t for t in threads_shown(demo.printed)}
    toilet = shown[TOILET].cards()[0][0]
    await page.goto(f"{demo.url}/tickets/{toilet}")
    conversation = page.get_by_test_id("conversation")
    await expect(conversation.get_by_test_id("thread")).to_have_count(2)
    for text in toilet_conversation():
        await expect(conversation).to_contain_text(text)
    await save_screenshot(page, "demo-ticket.png")
    assert errors == []


async def test_the_demo_link_opens_the_replayed_tickets_and_ctrl_c_stops_it(
    browser: Browser, tmp_path: Path
) -> None:
    async with demo_serving(tmp_path) as demo:
        async with fresh_page(browser, DESKTOP) as page:
            await see_the_board_and_the_toilet_ticket(page, demo)

        demo.process.send_signal(signal.SIGINT)
        stdout, stderr = await asyncio.wait_for(demo.process.communicate(), STOP_TIMEOUT_S)
        assert demo.process.returncode == 0, stderr.decode()
        assert "Stopped." in stdout.decode()
        assert "Traceback" not in stderr.decode()
