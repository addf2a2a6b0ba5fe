"""Reports of one problem triaged at the same moment (two drains of one worker, or two
`serve` processes on one PostgreSQL) open one ticket, and every other report's thread is
linked to it: deciding "is this problem already tracked here?" and opening the ticket are
one step per location, never two reporters' steps interleaved."""

from __future__ import annotations

import asyncio

import pytest

from standin.slack_api import SlackStub
from tests.support.app_harness import RELAY, harness_settings, open_harness
from tests.support.relay import customer_says

REPORTS = 4


@pytest.mark.parametrize(
    "text", ["water leaking from the ceiling near the entrance", "no balls in bay 2"]
)
async def test_reports_of_one_problem_triaged_at_once_open_one_ticket(
    slack_stub: SlackStub, db_url: str, text: str
) -> None:
    settings = harness_settings(slack_stub, db_url)
    threads = [f"17325500{n:02d}.000100" for n in range(REPORTS)]
    async with open_harness(slack_stub, settings, start=False) as h:
        for n, ts in enumerate(threads):
            response = await h.post(customer_says(f"{text}!", ts, customer=f"cust_{n}"))
            assert response.status_code == 200
        worker = h.runtime.triage_worker
        # One message a drain, all drains at once: each decides while the others do.
        handled = await asyncio.gather(*(worker.drain(batch=1) for _ in range(REPORTS)))
        assert sum(handled) == REPORTS
        tickets = await h.tickets()
    assert len(tickets) == 1, [t.title for t in tickets]
    assert sorted(tickets[0].linked_threads) == [f"{RELAY}:{ts}" for ts in threads]
