"""`GET /api/tickets` in pages: the cursor walk, the limit's default and bounds, and a
400 naming each bad parameter."""

from __future__ import annotations

from typing import Any

import httpx

from storage.db import Database
from tests.web.read_api import AUTH, T, check_ticket_json, seed, thirty


async def walk(client: httpx.AsyncClient, query: str) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        url = f"/api/tickets?{query}" + (f"&cursor={cursor}" if cursor else "")
        answer = await client.get(url, headers=AUTH)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append(body["tickets"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert cursor == body["tickets"][-1]["ticket_id"]
        assert len(pages) <= 40, "the cursor does not advance"


async def test_pagination_walks_every_ticket_exactly_once_newest_first(
    db: Database, client: httpx.AsyncClient
) -> None:
    ids = await seed(db, thirty())
    newest_first = ids[::-1]

    pages = await walk(client, "limit=7")
    assert [len(p) for p in pages] == [7, 7, 7, 7, 2]
    walked = [t["ticket_id"] for page in pages for t in page]
    assert walked == newest_first  # every ticket, once, in order
    assert len(set(walked)) == 30
    for page in pages:
        for ticket in page:
            check_ticket_json(ticket)

    # A last page that is exactly full still ends the walk with next_cursor null.
    pages = await walk(client, "limit=10")
    assert [len(p) for p in pages] == [10, 10, 10]
    assert [t["ticket_id"] for page in pages for t in page] == newest_first

    # With a filter: tech tickets only, 15 of them, 4 a page.
    pages = await walk(client, "limit=4&category=tech")
    assert [len(p) for p in pages] == [4, 4, 4, 3]
    tech = [tid for tid, spec in zip(ids, thirty(), strict=True) if spec.category == T][::-1]
    assert [t["ticket_id"] for page in pages for t in page] == tech


async def test_limit_default_bounds_and_cursor_edges(
    db: Database, client: httpx.AsyncClient
) -> None:
    ids = await seed(db, thirty())
    everything = (await client.get("/api/tickets", headers=AUTH)).json()  # default 100
    assert len(everything["tickets"]) == 30 and everything["next_cursor"] is None
    for limit, size, cursor in [("1", 1, ids[-1]), ("29", 29, ids[1]), ("30", 30, None)]:
        body = (await client.get(f"/api/tickets?limit={limit}", headers=AUTH)).json()
        assert (len(body["tickets"]), body["next_cursor"]) == (size, cursor), limit
    assert (await client.get("/api/tickets?limit=500", headers=AUTH)).status_code == 200
    # Past the oldest ticket: an empty last page; above the newest: everything.
    past = (await client.get(f"/api/tickets?cursor={ids[0]}", headers=AUTH)).json()
    assert past == {"tickets": [], "next_cursor": None}
    above = (await client.get("/api/tickets?cursor=T-999999", headers=AUTH)).json()
    assert [t["ticket_id"] for t in above["tickets"]] == ids[::-1]


BAD_PARAMETERS = [
    ("status=closed", "status"),
    ("status=open,bogus", "status"),
    ("priority=urgent", "priority"),
    ("priority=low,p1", "priority"),
    ("category=plumbing", "category"),
    ("assigned=maybe", "assigned"),
    ("assigned=true", "assigned"),
    ("limit=0", "limit"),
    ("limit=501", "limit"),
    ("limit=x", "limit"),
    ("limit=-1", "limit"),
    ("limit=1.5", "limit"),
    ("limit=%C2%B2", "limit"),  # "²": a digit to str.isdigit, not to int()
    ("limit=" + "9" * 5000, "limit"),  # more digits than int() converts
    ("cursor=abc", "cursor"),
    ("cursor=42", "cursor"),
    ("cursor=T-", "cursor"),
    ("status=open&cursor=T-1x", "cursor"),
]


async def test_a_bad_parameter_answers_400_naming_it(client: httpx.AsyncClient) -> None:
    for query, parameter in BAD_PARAMETERS:
        answer = await client.get(f"/api/tickets?{query}", headers=AUTH)
        assert answer.status_code == 400, (query, answer.text)
        body = answer.json()
        assert body["parameter"] == parameter, query
        assert body["error"].startswith(f"{parameter}: "), query
        assert len(body["error"]) < 300  # a long bad value is not echoed whole
