"""Browser tests: Playwright driving Debian's Chromium against the real app served over HTTP.

One browser for the whole test session; each test gets a fresh context (its own cookies)
and its own served app. Everything runs in the session's event loop (the browser is bound
to the loop that launched it), so every test module here sets
`pytestmark = pytest.mark.asyncio(loop_scope="session")`.

Where /usr/bin/chromium is missing the tests skip, saying why; in CI (`CI=true`) they fail
instead (`.ci/run` installs the `chromium` package). `playwright install` is never needed.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from standin.slack_api import SlackStub
from tests.support.postgres import in_ci
from tests.web.browser.pages import DESKTOP, fresh_page
from tests.web.browser.served import ServedApp, served_app

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--no-first-run",
]


def require_chromium() -> None:
    """Skip the browser tests when Debian's Chromium is missing; fail them in CI."""
    if CHROMIUM.exists():
        return
    reason = (
        f"{CHROMIUM} not found: install Debian's `chromium` package (apt-get install -y chromium)"
    )
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    require_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of the test's own (the backends are covered by the
    storage and web tests; here the browser is what is under test)."""
    path = tmp_path / "tickets.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest_asyncio.fixture(loop_scope="session")
async def served(slack_stub: SlackStub, sqlite_url: str) -> AsyncIterator[ServedApp]:
    async with served_app(slack_stub, sqlite_url) as app:
        yield app


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A desktop-sized page in a fresh context (no cookies)."""
    async with fresh_page(browser, DESKTOP) as opened:
        yield opened
