"""The board: a column per status with a card per ticket, filters from the query string,
archived tickets only when asked, user text shown as text."""

from __future__ import annotations

import re

import pytest

from bot.tickets.domain import Category, Priority, Status
from tests.support.app_harness import OPERATOR
from tests.web.dashboard.support import Browser

COLUMNS = ["open", "in_progress", "on_hold", "resolved"]


def columns(page: str) -> list[str]:
    return re.findall(r'data-testid="column-([a-z_]+)"', page)


def cards(page: str) -> list[str]:
    return re.findall(r'data-testid="ticket-(T-\d+)"', page)


async def board(browser: Browser, query: str = "") -> str:
    answer = await browser.http.get(f"/{query}")
    assert answer.status_code == 200, answer.text
    return answer.text


@pytest.fixture
async def signed_in(browser: Browser) -> Browser:
    assert (await browser.sign_in()).status_code == 303
    return browser


async def test_a_column_per_status_a_card_per_ticket(signed_in: Browser) -> None:
    await signed_in.add("Projector flickers", priority=Priority.HIGH, bay=3, assignee=OPERATOR)
    await signed_in.add("Door stuck", category=Category.FACILITIES, location="Truro")
    page = await board(signed_in)
    assert columns(page) == COLUMNS
    assert cards(page) == ["T-2", "T-1"]  # newest first
    card = page[page.index('data-testid="ticket-T-1"') :]
    for shown in ("T-1", "Projector flickers", "high", "tech", "Bedford · Bay 3", OPERATOR, "0m"):
        assert shown in card[: card.index("</article>")], shown
    assert 'data-testid="filters"' in page


async def test_archived_only_when_asked(signed_in: Browser) -> None:
    await signed_in.add("Old one")
    await signed_in.runtime.operations.change_status(
        OPERATOR, "T-1", Status.RESOLVED, resolution_notes="done"
    )
    await signed_in.runtime.operations.change_status(OPERATOR, "T-1", Status.ARCHIVED)
    assert cards(await board(signed_in)) == []
    with_archived = await board(signed_in, "?archived=1")
    assert columns(with_archived) == [*COLUMNS, "archived"]
    assert cards(with_archived) == ["T-1"]


async def test_filters_in_the_query_string(signed_in: Browser) -> None:
    await signed_in.add("Projector flickers", priority=Priority.HIGH, assignee=OPERATOR)
    await signed_in.add("Door stuck", category=Category.FACILITIES, location="Truro")
    await signed_in.add("Screen torn", description="The projector screen has a hole")
    cases = {
        "?location=truro": ["T-2"],
        "?priority=high": ["T-1"],
        "?category=facilities": ["T-2"],
        "?status=open": ["T-3", "T-2", "T-1"],
        "?status=resolved": [],
        "?assigned=yes": ["T-1"],
        "?assigned=no": ["T-3", "T-2"],
        f"?assignee={OPERATOR}": ["T-1"],
        "?q=PROJECTOR": ["T-3", "T-1"],
        "?q=projector&priority=medium": ["T-3"],
        "?q=&location=&priority=": ["T-3", "T-2", "T-1"],  # an empty form filters nothing
    }
    for query, expected in cases.items():
        assert cards(await board(signed_in, query)) == expected, query


async def test_the_filter_form_shows_the_view_it_filters(signed_in: Browser) -> None:
    page = await board(signed_in, "?priority=high&q=net&assigned=no&location=Truro")
    assert '<option value="high" selected>' in page
    assert '<option value="no" selected>' in page
    assert 'name="q" value="net"' in page and 'name="location" value="Truro"' in page


async def test_a_bad_filter_is_named(signed_in: Browser) -> None:
    answer = await signed_in.http.get("/?priority=urgent")
    assert answer.status_code == 400
    assert "priority" in answer.text and "urgent" in answer.text


async def test_user_text_stays_text(signed_in: Browser) -> None:
    await signed_in.add('<script>alert("x")</script>', location="<b>Bedford</b>")
    page = await board(signed_in, "?q=%3Cscript%3E")
    assert cards(page) == ["T-1"]
    assert "<script>" not in page and "<b>Bedford" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert 'value="&lt;script&gt;"' in page  # the search box echoes it as text too


async def test_the_layout_stacks_on_a_phone(signed_in: Browser) -> None:
    """No fixed widths: columns wrap below 15rem each, long words break (the browser test
    checks the 390 px viewport itself)."""
    css = (await signed_in.http.get("/static/dashboard.css")).text
    assert "repeat(auto-fit, minmax(15rem, 1fr))" in css
    assert "overflow-wrap: anywhere" in css
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in await board(signed_in)
