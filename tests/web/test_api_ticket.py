"""`GET /api/tickets/{ticket_id}`: one ticket with its timeline and every linked thread,
and a 404 for an unknown or malformed id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from bot.tickets.domain import Source, ThreadRef, TicketDraft
from bot.tickets.service import TicketService
from storage.db import Database
from tests.web.read_api import (
    AUTH,
    HIGH,
    ISO_Z,
    LOW,
    OP1,
    OP2,
    PROG,
    RELAY,
    SPECS,
    TICKET_KEYS,
    F,
    T,
    check_ticket_json,
    seed,
)

FIRST = ThreadRef(RELAY, "1732550000.000100")
SECOND = ThreadRef("C0TECH", "1732550500.000200")


async def _ticket_with_a_history(db: Database) -> str:
    """T-2 (after an unrelated T-1): created from a relay thread, assigned, in progress,
    noted and linked to a second thread."""
    async with db.unit_of_work() as session:
        service = TicketService(session)
        await service.create(
            TicketDraft(
                title="Other",
                category=F,
                priority=LOW,
                location="Truro",
                customer=OP2,
            ),
            actor=OP2,
            source=Source.MANUAL,
        )
        ticket = await service.create(
            TicketDraft(
                title="Projector dead in bay 2",
                description="Customer says the screen is black",
                category=T,
                priority=HIGH,
                location="Bedford",
                bay=2,
                customer="cust-7",
                decided_by="llm",
                thread=FIRST,
            ),
            actor="OperatorGPT",
            source=Source.MESSAGE_THREAD,
        )
        tid = ticket.ticket_id
        await service.assign(tid, OP1, actor=OP2, expected_version=None)
        await service.change_status(tid, PROG, actor=OP1, expected_version=None)
        await service.add_note(tid, "Power-cycled, waiting", actor=OP1, expected_version=None)
        await service.link_thread(tid, SECOND, actor=OP1)
    return tid


def _check_timeline(events: list[dict[str, Any]]) -> None:
    assert [(e["action"], e["actor"]) for e in events] == [
        ("created", "OperatorGPT"),
        ("assigned", OP2),
        ("status", OP1),
        ("note", OP1),
        ("thread_linked", OP1),
    ]
    for event in events:
        assert set(event) == {"at", "actor", "action", "changes", "note"}
        assert ISO_Z.match(event["at"]), event["at"]
    ats = [datetime.fromisoformat(e["at"]) for e in events]
    assert ats == sorted(ats)
    assert events[0]["changes"]["status"] == [None, "open"]
    assert events[1]["changes"] == {"assigned_to": [None, OP1]}
    assert events[2]["changes"] == {"status": ["open", "in_progress"]}
    assert events[3]["note"] == "Power-cycled, waiting"
    assert events[4]["changes"] == {"linked_threads": [None, str(SECOND)]}


async def test_one_ticket_with_its_timeline_and_every_linked_thread(
    db: Database, client: httpx.AsyncClient
) -> None:
    tid = await _ticket_with_a_history(db)

    answer = await client.get(f"/api/tickets/{tid}", headers=AUTH)
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == [*TICKET_KEYS, "events"]
    check_ticket_json({k: v for k, v in body.items() if k != "events"})
    assert body["ticket_id"] == tid == "T-2"
    assert body["linked_thread"] == str(FIRST)
    assert body["linked_threads"] == [str(FIRST), str(SECOND)]
    assert (body["status"], body["assigned_to"], body["bay"]) == ("in_progress", OP1, 2)
    assert body["decided_by"] == "llm"

    _check_timeline(body["events"])

    # The list shows the same ticket without the timeline.
    listed = (await client.get("/api/tickets?location=Bedford", headers=AUTH)).json()
    assert listed["tickets"] == [{k: v for k, v in body.items() if k != "events"}]


async def test_an_unknown_or_malformed_ticket_id_is_404(
    db: Database, client: httpx.AsyncClient
) -> None:
    await seed(db, SPECS[:1])
    assert (await client.get("/api/tickets/T-1", headers=AUTH)).status_code == 200
    unknown = ["T-2", "T-999", "T-99999999999"]  # the last: above any stored number
    malformed = ["T-9999999999999", "nonsense", "T-abc", "42", "t-1", "T-1.5", "T--1"]
    for ticket_id in unknown + malformed:
        answer = await client.get(f"/api/tickets/{ticket_id}", headers=AUTH)
        assert answer.status_code == 404, ticket_id
        assert answer.json()["error"], ticket_id
    assert (await client.get("/api/tickets/T-2", headers=AUTH)).json() == {
        "error": "No ticket T-2."
    }
