"""The board's views: sorting and the list view from the query string, each card's SLA
countdown and link, and the two endpoints that keep an open board live (its state and its
fragment) for signed-in visitors only, user text escaped."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.tickets.domain import Priority
from tests.support.app_harness import OPERATOR
from tests.web.dashboard.support import Browser
from web.dashboard import board
from web.dashboard.view import countdown


def cards(page: str) -> list[str]:
    return re.findall(r'data-testid="ticket-(T-\d+)"', page)


def groups(page: str) -> list[str]:
    return re.findall(r'data-testid="group-([^"]+)"', page)


async def shown(browser: Browser, path: str) -> str:
    answer = await browser.http.get(path)
    assert answer.status_code == 200, answer.text
    return answer.text


@pytest.fixture
async def signed_in(browser: Browser) -> Browser:
    assert (await browser.sign_in()).status_code == 303
    return browser


async def three_tickets(browser: Browser) -> None:
    await browser.add("Projector flickers", priority=Priority.LOW, location="Truro")
    await browser.add("Door stuck", priority=Priority.CRITICAL)
    await browser.add("Screen torn", priority=Priority.MEDIUM, location="Truro")


async def test_sorting_by_age_priority_and_sla_deadline(signed_in: Browser) -> None:
    await three_tickets(signed_in)
    cases = {
        "": ["T-3", "T-2", "T-1"],  # newest first
        "?sort=age": ["T-1", "T-2", "T-3"],
        "?sort=priority": ["T-2", "T-3", "T-1"],
        "?sort=sla": ["T-2", "T-3", "T-1"],  # critical's 15 min, medium's 4 h, low's 24 h
    }
    for query, expected in cases.items():
        assert cards(await shown(signed_in, f"/{query}")) == expected, query
    assert '<option value="sla" selected>' in await shown(signed_in, "/?sort=sla")


async def test_the_list_view_groups_by_location_or_priority(signed_in: Browser) -> None:
    await three_tickets(signed_in)
    by_location = await shown(signed_in, "/?view=list")
    assert groups(by_location) == ["Truro", "Bedford"] and "column-open" not in by_location
    by_priority = await shown(signed_in, "/?view=list&group=priority&sort=priority")
    assert groups(by_priority) == ["critical", "medium", "low"]
    assert '<option value="list" selected>' in by_priority


async def test_a_bad_layout_is_named(signed_in: Browser) -> None:
    for query in ("sort=oldest", "view=table", "group=bay"):
        answer = await signed_in.http.get(f"/?{query}")
        assert answer.status_code == 400 and query.split("=")[1] in answer.text, query


async def test_cards_link_to_the_ticket_page_and_count_down_the_sla(signed_in: Browser) -> None:
    await signed_in.add("Door stuck", priority=Priority.HIGH)
    page = await shown(signed_in, "/")
    assert 'href="/tickets/T-1"' in page
    assert "sla-ok" in page and "response due in 59m" in page


async def test_the_countdown_colours_warning_alert_and_breach(signed_in: Browser) -> None:
    ticket = await signed_in.add("Door stuck", priority=Priority.CRITICAL)  # response: 15 min
    assert ticket.response_due_at is not None
    due = ticket.response_due_at
    expected = {
        timedelta(minutes=-5): ("ok", "response due in 5m"),
        timedelta(minutes=-3): ("warning", "response due in 3m"),
        timedelta(minutes=-1): ("alert", "response due in 1m"),
        timedelta(minutes=10): ("breach", "response 10m over"),
    }
    for offset, (level, text) in expected.items():
        shown_at = countdown(ticket, due + offset)
        assert shown_at is not None and (shown_at.level, shown_at.text) == (level, text)
    answered = replace(ticket, first_response_at=ticket.timestamp)
    assert countdown(answered, due) is not None
    assert countdown(replace(ticket, status=ticket.status.RESOLVED), due) is None


async def test_state_changes_when_a_shown_ticket_does(signed_in: Browser) -> None:
    await signed_in.add("Door stuck")
    first = (await signed_in.http.get("/board/state?location=Bedford")).json()["fingerprint"]
    again = (await signed_in.http.get("/board/state?location=Bedford")).json()["fingerprint"]
    await signed_in.runtime.operations.assign(OPERATOR, "T-1", OPERATOR)
    changed = (await signed_in.http.get("/board/state?location=Bedford")).json()["fingerprint"]
    assert first == again != changed


async def test_the_fragment_is_the_board_alone_escaped(signed_in: Browser) -> None:
    await signed_in.add('<script>alert("x")</script>')
    fragment = await shown(signed_in, "/board/fragment?view=list")
    assert cards(fragment) == ["T-1"] and "<html" not in fragment
    assert "<script>" not in fragment and "&lt;script&gt;" in fragment
    page = await shown(signed_in, "/?view=list&q=door")
    assert 'data-fragment-url="/board/fragment?view=list&amp;q=door"' in page


async def test_signed_out_visitors_get_neither_state_nor_fragment(browser: Browser) -> None:
    await browser.add("Door stuck")
    for path in ("/board/state", "/board/fragment"):
        answer = await browser.http.get(path)
        assert answer.status_code == 401 and "Door stuck" not in answer.text, path


async def test_a_board_past_its_limit_shows_the_open_most_urgent_first_and_says_so(
    signed_in: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await three_tickets(signed_in)
    old = await signed_in.add("Net torn", priority=Priority.CRITICAL)
    await signed_in.runtime.operations.resolve(OPERATOR, old.ticket_id, "new net")
    monkeypatch.setattr(board, "BOARD_LIMIT", 2)
    page = await shown(signed_in, "/")
    # The resolved critical one and the open low one left out; newest first as asked.
    assert cards(page) == ["T-3", "T-2"]
    assert "Showing 2 of 4 matching tickets, the open ones first" in page
    monkeypatch.setattr(board, "BOARD_LIMIT", 4)
    assert cards(await shown(signed_in, "/")) == ["T-3", "T-2", "T-1", "T-4"]  # by column
    narrowed = await shown(signed_in, "/?location=Truro")
    assert cards(narrowed) == ["T-3", "T-1"] and 'data-testid="truncated"' not in narrowed
