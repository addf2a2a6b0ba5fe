"""The closure suggestion's buttons end to end, and untrusted text (titles, notes, hold
reasons, suggestion reasons) that must never ping a channel."""

from __future__ import annotations

import json

from bot.tickets.domain import Status
from slackui.ids import Action, ModalInput
from tests.handlers.helpers.cards import (
    act,
    audit,
    both_copies,
    create_ticket,
    current,
    field,
    opened_view,
    posted,
    routed_card,
    submit,
    thread_card,
    thread_replies,
    updated_copies,
)
from tests.handlers.helpers.surfaces import (
    THREAD_TS,
    assert_no_mass_mentions,
    assert_valid_surfaces,
    told,
)
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, RELAY, Harness


async def test_accepting_a_closure_suggestion_resolves_in_one_tap(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    await harness.runtime.operations.suggest_close(
        ticket_id, "Ball tray sensor reads full", "rules"
    )
    await harness.settle()
    suggestion = posted(harness, RELAY, Action.ACCEPT_CLOSE.value)
    assert suggestion.message.get("thread_ts") == THREAD_TS
    assert (await harness.ticket(ticket_id)).status == Status.OPEN

    await act(harness, OTHER_OPERATOR, suggestion, Action.ACCEPT_CLOSE.value)

    ticket = await harness.ticket(ticket_id)
    assert ticket.status == Status.RESOLVED
    assert ticket.resolution_notes == (
        f"Confirmed fixed (closure suggestion accepted by <@{OTHER_OPERATOR}>)"
    )
    [replaced] = [c for c in harness.stub.calls("response_url") if c.get("replace_original")]
    assert f"<@{OTHER_OPERATOR}> resolved it" in json.dumps(replaced["blocks"])
    assert Action.ACCEPT_CLOSE.value not in json.dumps(replaced["blocks"])
    assert updated_copies(harness) == both_copies(harness)
    assert field(current(harness, routed_card(harness)), "Status") == "Resolved"
    assert any("set it to *Resolved*" in r for r in thread_replies(harness))
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["white_check_mark"]
    assert told(harness) == []
    assert_valid_surfaces(harness)


async def test_dismissing_a_closure_suggestion_keeps_the_ticket_open(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    await harness.runtime.operations.suggest_close(ticket_id, "Customer said thanks", "rules")
    await harness.settle()
    suggestion = posted(harness, RELAY, Action.DISMISS_CLOSE.value)

    await act(harness, OPERATOR, suggestion, Action.DISMISS_CLOSE.value)

    ticket = await harness.ticket(ticket_id)
    assert ticket.status == Status.OPEN
    notes = [e.note for e in await audit(harness, ticket_id) if e.action == "note"]
    assert notes == ["Closure suggestion dismissed: not fixed yet."]
    [replaced] = [c for c in harness.stub.calls("response_url") if c.get("replace_original")]
    assert f"<@{OPERATOR}> said it is not fixed yet" in json.dumps(replaced["blocks"])
    assert updated_copies(harness) == both_copies(harness)
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["ticket"]
    assert_valid_surfaces(harness)


async def test_channel_mentions_in_titles_and_notes_never_ping(harness: Harness) -> None:
    ticket_id = await create_ticket(
        harness, title="<!channel> projector dead", description="<!here> & <@U0OP2> help"
    )
    await act(harness, OPERATOR, thread_card(harness), Action.NOTE.value)
    await submit(harness, OPERATOR, opened_view(harness), ModalInput.NOTE, "<!everyone> <!channel>")
    await act(harness, OPERATOR, routed_card(harness), Action.STATUS.value, status="on_hold")
    await submit(harness, OPERATOR, opened_view(harness), ModalInput.HOLD_REASON, "<!channel> wait")
    await harness.runtime.operations.suggest_close(ticket_id, "<!here> it works", "rules")
    await harness.settle()
    await act(
        harness,
        OPERATOR,
        posted(harness, RELAY, Action.ACCEPT_CLOSE.value),
        Action.ACCEPT_CLOSE.value,
    )

    ticket = await harness.ticket(ticket_id)
    assert (ticket.title, ticket.status) == ("<!channel> projector dead", Status.RESOLVED)
    assert "&lt;!channel&gt; projector dead" in json.dumps(routed_card(harness).message["blocks"])
    assert any("&lt;!everyone&gt;" in r for r in thread_replies(harness))
    assert_no_mass_mentions(harness)
    assert_valid_surfaces(harness)
