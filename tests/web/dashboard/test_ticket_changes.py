"""Changing a ticket from its page: each change through the use cases (so the Slack cards
get their update queued), refused without the CSRF token, for a user no longer an
operator, on a stale version and where the status machine says no; nothing changed then."""

from __future__ import annotations

import pytest

from bot.tickets.domain import Status, Ticket
from storage.outbox import OutboxRepository
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR
from tests.web.dashboard.support import Browser, csrf_of
from tests.web.dashboard.ticket_support import post_change, ticket_page


@pytest.fixture
async def signed_in(browser: Browser) -> Browser:
    assert (await browser.sign_in()).status_code == 303
    await browser.add("Projector flickers")
    return browser


async def ticket(browser: Browser) -> Ticket:
    return await browser.runtime.operations.get("T-1")


async def test_change_status_with_resolution_notes(signed_in: Browser) -> None:
    answer = await post_change(
        signed_in, "T-1", "status", status="resolved", resolution_notes="Lamp replaced"
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/tickets/T-1"
    after = await ticket(signed_in)
    assert (after.status, after.resolution_notes) == (Status.RESOLVED, "Lamp replaced")
    assert "Lamp replaced" in await ticket_page(signed_in, "T-1")


async def test_the_status_machine_refusals_are_shown(signed_in: Browser) -> None:
    for status, needs in (("on_hold", "a reason is required"), ("resolved", "resolution notes")):
        answer = await post_change(signed_in, "T-1", "status", status=status)
        assert answer.status_code == 400
        assert needs in answer.text and 'data-testid="problem"' in answer.text
    assert (await ticket(signed_in)).version == 1
    held = await post_change(signed_in, "T-1", "status", status="on_hold", hold_reason="Parts")
    assert held.status_code == 303
    assert (await ticket(signed_in)).hold_reason == "Parts"


async def test_assign_note_and_learnable(signed_in: Browser) -> None:
    assert (
        await post_change(signed_in, "T-1", "assign", assignee=OTHER_OPERATOR)
    ).status_code == 303
    assert (await post_change(signed_in, "T-1", "note", text="Ordered a lamp")).status_code == 303
    assert (await post_change(signed_in, "T-1", "learnable", learnable="yes")).status_code == 303
    after = await ticket(signed_in)
    assert (after.assigned_to, after.learnable) == (OTHER_OPERATOR, True)
    history = await signed_in.runtime.operations.history("T-1")
    assert [e.actor for e in history.events[1:]] == [OPERATOR] * 3
    assert "Ordered a lamp" in await ticket_page(signed_in, "T-1")
    assert (await post_change(signed_in, "T-1", "assign", assignee="")).status_code == 303
    assert (await ticket(signed_in)).assigned_to is None


async def pending_notices(browser: Browser) -> int:
    async with browser.runtime.database.unit_of_work() as session:
        return await OutboxRepository(session).pending_count()


async def test_a_change_queues_its_slack_notices(signed_in: Browser) -> None:
    before = await pending_notices(signed_in)
    assert (await post_change(signed_in, "T-1", "note", text="On it")).status_code == 303
    assert await pending_notices(signed_in) > before


async def test_without_the_csrf_token_nothing_changes(signed_in: Browser) -> None:
    for form in ({"version": "1", "text": "sneaky"}, {"csrf": "forged", "version": "1"}):
        answer = await signed_in.http.post("/tickets/T-1/note", data=form)
        assert answer.status_code == 403
    assert (await ticket(signed_in)).version == 1


async def test_a_user_no_longer_an_operator_is_refused(
    signed_in: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed in as an operator, then taken off the operators (no operator group answers
    here): the session stays, the change is refused."""
    permissions = signed_in.runtime.permissions
    slack = permissions.club.slack.model_copy(update={"operators": [OTHER_OPERATOR]})
    monkeypatch.setattr(permissions, "club", permissions.club.model_copy(update={"slack": slack}))
    answer = await post_change(signed_in, "T-1", "note", text="still here?")
    assert answer.status_code == 403
    assert "only operators can change tickets" in answer.text
    assert (await ticket(signed_in)).version == 1


async def test_a_stale_version_is_refused(signed_in: Browser) -> None:
    page_version = "1"
    await signed_in.runtime.operations.add_note(OTHER_OPERATOR, "T-1", "meanwhile")
    page = await ticket_page(signed_in, "T-1")
    form = {"csrf": csrf_of(page), "version": page_version, "text": "late"}
    answer = await signed_in.http.post("/tickets/T-1/note", data=form)
    assert answer.status_code == 409
    assert "changed by someone else" in answer.text
    assert (await ticket(signed_in)).version == 2
