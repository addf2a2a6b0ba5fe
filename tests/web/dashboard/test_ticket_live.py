"""The live ticket page's two reads: `/tickets/{id}/state` (the ticket's version) and
`/tickets/{id}/fragment` (the read-only parts rendered again, escaped); both refuse a
signed-out visitor with 401 and answer 404 for an unknown ticket."""

from __future__ import annotations

import pytest

from bot.tickets.domain import Status
from tests.support.app_harness import OPERATOR
from tests.web.dashboard.support import Browser
from tests.web.dashboard.ticket_support import customer_conversation

SCRIPT = "<script>alert(1)</script>"
LIVE_PARTS = ("fields", "learnable", "related", "conversation", "timeline")


@pytest.fixture
async def signed_in(browser: Browser) -> Browser:
    assert (await browser.sign_in()).status_code == 303
    return browser


@pytest.mark.parametrize("read", ["state", "fragment"])
async def test_signed_out_visitors_get_401(browser: Browser, read: str) -> None:
    await browser.add("Projector flickers")
    answer = await browser.http.get(f"/tickets/T-1/{read}")
    assert answer.status_code == 401
    assert "/ticket web" in answer.json()["error"]


@pytest.mark.parametrize("read", ["state", "fragment"])
async def test_an_unknown_ticket_is_a_404(signed_in: Browser, read: str) -> None:
    answer = await signed_in.http.get(f"/tickets/T-9/{read}")
    assert answer.status_code == 404
    assert "T-9" in answer.json()["error"]


async def test_the_state_is_the_version_and_follows_changes(signed_in: Browser) -> None:
    await signed_in.add("Projector flickers")
    first = (await signed_in.http.get("/tickets/T-1/state")).json()
    again = (await signed_in.http.get("/tickets/T-1/state")).json()
    assert first == again == {"version": 1}
    await signed_in.runtime.operations.change_status(OPERATOR, "T-1", Status.IN_PROGRESS)
    assert (await signed_in.http.get("/tickets/T-1/state")).json() == {"version": 2}


async def test_the_fragment_is_the_read_only_parts_without_the_typing_forms(
    signed_in: Browser,
) -> None:
    await signed_in.add("Projector flickers")
    await signed_in.runtime.operations.change_status(OPERATOR, "T-1", Status.IN_PROGRESS)
    answer = await signed_in.http.get("/tickets/T-1/fragment")
    assert answer.status_code == 200
    fragment = answer.text
    for part in LIVE_PARTS:
        assert f'data-live-part="{part}"' in fragment, part
    assert 'class="status status-in_progress">in_progress<' in fragment
    assert 'data-version="2"' in fragment
    for form in ("action-status", "action-assign", "action-note"):
        assert f'data-testid="{form}"' not in fragment, form
    assert "<html" not in fragment


async def test_the_fragment_escapes_what_people_wrote(signed_in: Browser) -> None:
    thread = await customer_conversation(signed_in, SCRIPT)
    await signed_in.add("Door", description=SCRIPT, thread=thread)
    await signed_in.runtime.operations.add_note(OPERATOR, "T-1", SCRIPT)
    fragment = (await signed_in.http.get("/tickets/T-1/fragment")).text
    assert SCRIPT not in fragment
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert fragment.count(escaped) >= 3  # description, conversation, note
