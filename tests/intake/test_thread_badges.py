"""The badge on a customer thread's root: the ticket badge while any of its tickets is
open, the check mark once all are done. A thread that never had a ticket has no check
mark to take off, so its first ticket (new or linked) costs one reactions call, not two:
in an outage every report is such a thread. A thread whose ticket was resolved still has
its check mark taken off when a new problem there opens another."""

from __future__ import annotations

from slackui.ids import Action, ModalInput
from tests.handlers.helpers.cards import act, opened_view, posted, submit
from tests.intake.relay_support import T1, T2
from tests.support.app_harness import OPERATOR, RELAY, Harness
from tests.support.relay import customer_says

OUTAGE = "the internet is down, none of the sims can connect"
OUTAGE_AGAIN = "wifi is out here too, sims all say no connection"
MAT = "the hitting mat in bay 2 is torn, there's a big hole in it"


def reaction_calls(h: Harness, method: str, thread_ts: str) -> int:
    return sum(1 for c in h.stub.calls(method) if c.get("timestamp") == thread_ts)


async def test_a_thread_new_to_tickets_gets_its_badge_in_one_call(harness: Harness) -> None:
    h = harness
    await h.post(customer_says(OUTAGE, T1, customer="cust_1"))  # a new ticket
    await h.post(customer_says(OUTAGE_AGAIN, T2, customer="cust_2"))  # linked to it
    await h.settle()

    [ticket] = await h.tickets()
    assert len(ticket.linked_threads) == 2
    for ts in (T1, T2):
        assert h.stub.reactions(RELAY, ts) == ["ticket"]
        assert reaction_calls(h, "reactions.add", ts) == 1
        assert reaction_calls(h, "reactions.remove", ts) == 0


async def test_a_new_problem_in_a_resolved_thread_takes_the_check_mark_off(
    harness: Harness,
) -> None:
    h = harness
    await h.post(customer_says(OUTAGE, T1, customer="cust_1"))
    await h.settle()
    await act(h, OPERATOR, posted(h, RELAY), Action.RESOLVE.value)
    await submit(h, OPERATOR, opened_view(h), ModalInput.RESOLUTION_NOTES, "Router rebooted")
    assert h.stub.reactions(RELAY, T1) == ["white_check_mark"]

    await h.post(customer_says(MAT, f"{float(T1) + 60:.6f}", customer="cust_1", thread_ts=T1))
    await h.settle()

    assert len(await h.tickets()) == 2
    assert h.stub.reactions(RELAY, T1) == ["ticket"]
