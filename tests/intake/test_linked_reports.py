"""Another report of an open problem links its thread to the ticket: the new thread gets
the card, the thread where the ticket began gets one line, and the cards already posted
stay as they are. A link is an event in the ticket's trail, not a change of anything a
card shows, so an operator's card never goes stale because a customer wrote, and twenty
customers reporting one outage cost no 20² card updates."""

from __future__ import annotations

from slackui.ids import Action
from tests.handlers.helpers.cards import act, audit, posted, thread_replies
from tests.intake.relay_support import T1, T2, T3
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, RELAY, Harness
from tests.support.relay import customer_says

OUTAGE = "the internet is down, none of the sims can connect"
OUTAGE_AGAIN = "wifi is out here too, sims all say no connection"


async def test_reports_linked_to_an_open_ticket_update_no_posted_card(harness: Harness) -> None:
    h = harness
    await h.post(customer_says(OUTAGE, T1, customer="cust_1"))
    await h.settle()
    first_card = posted(h, RELAY)  # in the first customer's thread, before any link
    cards_before = len(h.stub.calls("chat.postMessage"))

    for n, ts in enumerate((T2, T3), start=2):
        await h.post(customer_says(OUTAGE_AGAIN, ts, customer=f"cust_{n}"))
    await h.settle()

    [ticket] = await h.tickets()
    assert sorted(ticket.linked_threads) == [f"{RELAY}:{ts}" for ts in (T1, T2, T3)]
    assert h.stub.calls("chat.update") == []
    new_cards = [
        c
        for c in h.stub.calls("chat.postMessage")[cards_before:]
        if c.ok and any(b.get("type") == "actions" for b in c.get("blocks") or [])
    ]
    assert sorted(c["thread_ts"] for c in new_cards) == [T2, T3]
    assert sum("linked another conversation" in r for r in thread_replies(h)) == 2
    assert [e.action for e in await audit(h, ticket.ticket_id)].count("thread_linked") == 2

    # The card posted before the links still acts: it is not stale.
    await act(h, OPERATOR, first_card, Action.ASSIGN.value, user=OTHER_OPERATOR)
    assert (await h.ticket(ticket.ticket_id)).assigned_to == OTHER_OPERATOR
    assert not any("changed by someone else" in str(c.get("text")) for c in h.stub.calls())
