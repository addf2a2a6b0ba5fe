"""`GET /api/tickets`: every filter alone and combined, filters kept across pages, and
the contract's ticket JSON with each ticket's values."""

from __future__ import annotations

import httpx

from storage.db import Database
from tests.web.read_api import (
    ARCHIVED,
    AUTH,
    HOLD,
    RELAY,
    RESOLVED,
    SPECS,
    check_ticket_json,
    numbered,
    seed,
)

# (query, the expected ticket numbers, newest first)
FILTER_CASES: list[tuple[str, list[int]]] = [
    ("", [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]),
    ("status=&location=&priority=&category=&assigned=&assignee=", list(range(10, 0, -1))),
    ("status=open", [7, 5, 1]),
    ("status=in_progress", [8, 2]),
    ("status=on_hold", [10, 3]),
    ("status=resolved", [9, 4]),
    ("status=archived", [6]),
    ("status=open,on_hold", [10, 7, 5, 3, 1]),
    ("status=open&status=on_hold", [10, 7, 5, 3, 1]),
    ("status=resolved, archived", [9, 6, 4]),
    ("location=Bedford", [8, 5, 3, 1]),
    ("location=bedford", [8, 5, 3, 1]),
    ("location=TRURO,dartmouth", [10, 9, 7, 6, 4, 2]),
    ("location=Nowhere", []),
    ("priority=critical", [8, 3]),
    ("priority=low,high", [10, 9, 6, 5, 2, 1]),
    ("category=tech", [9, 7, 5, 3, 2]),
    ("category=facilities", [10, 8, 6, 4, 1]),
    ("assigned=yes", [10, 8, 6, 5, 4, 2]),
    ("assigned=no", [9, 7, 3, 1]),
    ("assignee=U0OP1", [10, 6, 2]),
    ("assignee=U0OP2", [8, 5, 4]),
    ("assignee=U0NOBODY", []),
    ("status=open,in_progress&category=tech&location=Bedford", [5]),
    ("category=facilities&assigned=yes&priority=high,critical", [8, 6]),
    ("location=truro&assigned=no&status=open", [7]),
    ("priority=high&assignee=U0OP1", [6, 2]),
    ("assigned=no&assignee=U0OP1", []),
    (
        "status=open,on_hold,in_progress&location=Bedford,Truro"
        "&priority=low,medium,critical&category=tech,facilities",
        [10, 8, 7, 5, 3, 1],
    ),
]


async def test_every_filter_alone_and_combined_returns_exactly_the_expected_tickets(
    db: Database, client: httpx.AsyncClient
) -> None:
    ids = await seed(db, SPECS)
    assert ids == [f"T-{n}" for n in range(1, 11)]
    for query, numbers in FILTER_CASES:
        answer = await client.get(f"/api/tickets?{query}", headers=AUTH)
        assert answer.status_code == 200, (query, answer.text)
        body = answer.json()
        assert list(body) == ["tickets", "next_cursor"]
        got = [t["ticket_id"] for t in body["tickets"]]
        assert got == numbered(ids, numbers), query
        assert body["next_cursor"] is None, query
        for ticket in body["tickets"]:
            check_ticket_json(ticket)


async def test_filters_are_kept_across_pages(db: Database, client: httpx.AsyncClient) -> None:
    ids = await seed(db, SPECS)
    query = "category=tech&status=open,in_progress,on_hold,resolved"  # 9, 7, 5, 3, 2
    first = (await client.get(f"/api/tickets?{query}&limit=2", headers=AUTH)).json()
    assert [t["ticket_id"] for t in first["tickets"]] == numbered(ids, [9, 7])
    assert first["next_cursor"] == ids[7 - 1]
    second = (
        await client.get(
            f"/api/tickets?{query}&limit=2&cursor={first['next_cursor']}", headers=AUTH
        )
    ).json()
    assert [t["ticket_id"] for t in second["tickets"]] == numbered(ids, [5, 3])
    third = (
        await client.get(
            f"/api/tickets?{query}&limit=2&cursor={second['next_cursor']}", headers=AUTH
        )
    ).json()
    assert [t["ticket_id"] for t in third["tickets"]] == numbered(ids, [2])
    assert third["next_cursor"] is None


async def test_each_ticket_carries_the_seed_keys_and_its_values(
    db: Database, client: httpx.AsyncClient
) -> None:
    ids = await seed(db, SPECS)
    body = (await client.get("/api/tickets", headers=AUTH)).json()
    by_id = {t["ticket_id"]: t for t in body["tickets"]}
    assert len(by_id) == len(SPECS)
    for n, spec in enumerate(SPECS, 1):
        ticket = by_id[ids[n - 1]]
        check_ticket_json(ticket)
        assert ticket["category"] == spec.category.value
        assert ticket["priority"] == spec.priority.value
        assert ticket["status"] == spec.status.value
        assert ticket["location"] == spec.location
        assert ticket["assigned_to"] == spec.assignee
        assert ticket["bay"] == spec.bay
        assert ticket["title"] == f"Ticket {n}"
        assert ticket["description"] == f"Description {n}"
        assert ticket["submitted_by"] == f"cust-{n}"
        assert ticket["created_by"] == "OperatorGPT"
        assert ticket["decided_by"] == "rules"
        assert ticket["learnable"] is False
        assert len(ticket["linked_threads"]) == spec.threads
        if spec.threads:
            assert ticket["linked_thread"] == f"{RELAY}:1732550000.{n:06d}"
            assert ticket["source"] == "message_thread"
        else:
            assert ticket["source"] == "manual"
        done = spec.status in (RESOLVED, ARCHIVED)
        assert (ticket["resolution_notes"] == "Fixed it") is done
        assert (ticket["resolved_at"] is not None) is done
        assert (ticket["hold_reason"] == "Part") is (spec.status == HOLD)
