"""The read API over HTTP: bearer auth, filters, cursor pagination, the contract's ticket
JSON, the single-ticket timeline, health and the OpenAPI description.

Requests go through the ASGI app `serve` builds (`build_runtime`), on SQLite and
PostgreSQL; one test drives a real `serve` subprocess over TCP."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from app.runtime import build_runtime
from app.settings import Settings
from bot.tickets.domain import Category, Priority, Source, Status, ThreadRef
from bot.tickets.service import NewTicket, TicketService
from bot.tickets.ticket_json import EXTRA_KEYS, SEED_KEYS
from storage.db import Database

TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
OP1, OP2 = "U0OP1", "U0OP2"
RELAY = "C0RELAY"
TICKET_KEYS = [*SEED_KEYS, *EXTRA_KEYS]
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$")
THREAD = re.compile(r"^[A-Z0-9]+:\d+\.\d+$")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def api_client(
    database_url: str, token: str | None = TOKEN
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the ASGI app that `serve` would serve for these settings."""
    settings = Settings(
        _env_file=None,
        api_token=SecretStr(token) if token is not None else None,
        database_url=database_url,
        slack_bot_token=None,
    )
    runtime = build_runtime(settings, slack=False)
    transport = httpx.ASGITransport(app=runtime.asgi)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield client
    finally:
        await runtime.database.dispose()


@pytest.fixture
async def client(db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(db_url) as http:
        yield http


# --- seeding -------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    category: Category
    priority: Priority
    location: str
    status: Status
    assignee: str | None = None
    bay: int | None = None
    threads: int = 1  # linked threads: 0, 1 or 2


async def seed(db: Database, specs: Sequence[Spec]) -> list[str]:
    """Create one ticket per spec (numbered in order, oldest first); returns their ids."""
    ids: list[str] = []
    async with db.unit_of_work() as session:
        service = TicketService(session)
        for n, spec in enumerate(specs, 1):
            ticket = await service.create(
                NewTicket(
                    title=f"Ticket {n}",
                    description=f"Description {n}",
                    category=spec.category,
                    priority=spec.priority,
                    location=spec.location,
                    created_by="OperatorGPT",
                    submitted_by=f"cust-{n}",
                    source=Source.MESSAGE_THREAD if spec.threads else Source.MANUAL,
                    bay=spec.bay,
                    assigned_to=spec.assignee,
                    decided_by="rules",
                    thread=ThreadRef(RELAY, f"1732550000.{n:06d}") if spec.threads else None,
                )
            )
            tid = ticket.ticket_id
            if spec.threads > 1:
                await service.link_thread(
                    tid, ThreadRef("C0TECH", f"1732559999.{n:06d}"), actor=OP1
                )
            if spec.status in (Status.RESOLVED, Status.ARCHIVED):
                await service.resolve(tid, "Fixed it", actor=OP1, expected_version=None)
            if spec.status == Status.ARCHIVED:
                await service.change_status(tid, Status.ARCHIVED, actor=OP1, expected_version=None)
            elif spec.status == Status.ON_HOLD:
                await service.change_status(
                    tid, Status.ON_HOLD, actor=OP1, expected_version=None, hold_reason="Part"
                )
            elif spec.status == Status.IN_PROGRESS:
                await service.change_status(
                    tid, Status.IN_PROGRESS, actor=OP1, expected_version=None
                )
            ids.append(tid)
    return ids


F, T = Category.FACILITIES, Category.TECH
LOW, MED, HIGH, CRIT = Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.CRITICAL
OPEN, PROG, HOLD = Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD
RESOLVED, ARCHIVED = Status.RESOLVED, Status.ARCHIVED

# Ticket n is SPECS[n - 1].
SPECS = [
    Spec(F, LOW, "Bedford", OPEN, None, bay=1),  # 1
    Spec(T, HIGH, "Truro", PROG, OP1, threads=2),  # 2
    Spec(T, CRIT, "Bedford", HOLD, None, bay=2, threads=0),  # 3
    Spec(F, MED, "Truro", RESOLVED, OP2),  # 4
    Spec(T, LOW, "Bedford", OPEN, OP2),  # 5
    Spec(F, HIGH, "Dartmouth", ARCHIVED, OP1),  # 6
    Spec(T, MED, "Truro", OPEN, None, threads=0),  # 7
    Spec(F, CRIT, "Bedford", PROG, OP2),  # 8
    Spec(T, HIGH, "Dartmouth", RESOLVED, None),  # 9
    Spec(F, LOW, "Truro", HOLD, OP1, threads=2),  # 10
]

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


def check_ticket_json(ticket: dict[str, Any]) -> None:
    """Exactly the seed keys then the fixed extras, each of the contract's type."""
    assert list(ticket) == TICKET_KEYS, ticket
    assert re.fullmatch(r"T-\d+", ticket["ticket_id"])
    for key in ("created_by", "submitted_by", "title", "description", "location"):
        assert isinstance(ticket[key], str), key
    assert ticket["source"] in {s.value for s in Source}
    assert ticket["category"] in {c.value for c in Category}
    assert ticket["priority"] in {p.value for p in Priority}
    assert ticket["status"] in {s.value for s in Status}
    for key in ("timestamp", "updated_at"):
        assert ISO_Z.match(ticket[key]), (key, ticket[key])
        datetime.fromisoformat(ticket[key])
    assert ticket["resolved_at"] is None or ISO_Z.match(ticket["resolved_at"])
    for key in ("assigned_to", "resolution_notes", "hold_reason", "decided_by"):
        assert ticket[key] is None or isinstance(ticket[key], str), key
    assert ticket["bay"] is None or type(ticket["bay"]) is int
    assert type(ticket["learnable"]) is bool
    threads = ticket["linked_threads"]
    assert isinstance(threads, list) and all(THREAD.match(t) for t in threads)
    assert ticket["linked_thread"] == (threads[0] if threads else None)


def numbered(ids: Sequence[str], numbers: Sequence[int]) -> list[str]:
    return [ids[n - 1] for n in numbers]


# --- auth ------------------------------------------------------------------------------


async def test_bearer_token_is_required(db: Database, client: httpx.AsyncClient) -> None:
    await seed(db, SPECS[:1])
    refused = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Token {TOKEN}"},
    ]
    for path in ("/api/tickets", "/api/tickets/T-1"):
        for headers in refused:
            answer = await client.get(path, headers=headers)
            assert answer.status_code == 401, (path, headers)
            assert answer.headers["www-authenticate"] == "Bearer"
            assert "token" in answer.json()["detail"].lower()
        for scheme in ("Bearer", "bearer", "BEARER", "bEaReR"):
            answer = await client.get(path, headers={"Authorization": f"{scheme} {TOKEN}"})
            assert answer.status_code == 200, (path, scheme)
    # Without the token nothing else is looked at: no 400 for a bad filter, no 404.
    for path in ("/api/tickets?status=bogus", "/api/tickets/T-999", "/api/tickets/nonsense"):
        assert (await client.get(path)).status_code == 401, path


async def test_api_answers_503_while_no_token_is_configured(db_url: str) -> None:
    async with api_client(db_url, token=None) as http:
        for path in ("/api/tickets", "/api/tickets/T-1"):
            for headers in ({}, AUTH, {"Authorization": "Bearer "}):
                answer = await http.get(path, headers=headers)
                assert answer.status_code == 503, (path, headers)
                assert "API_TOKEN" in answer.json()["detail"]
        # Health and the schema stay up.
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/openapi.json")).status_code == 200


# --- filters ---------------------------------------------------------------------------


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


# --- the ticket JSON -------------------------------------------------------------------


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


# --- pagination ------------------------------------------------------------------------


def thirty() -> list[Spec]:
    cats, pris = [F, T], [LOW, MED, HIGH, CRIT]
    return [
        Spec(cats[n % 2], pris[n % 4], ["Bedford", "Truro", "Dartmouth"][n % 3], OPEN)
        for n in range(30)
    ]


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


# --- bad parameters --------------------------------------------------------------------


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


# --- one ticket ------------------------------------------------------------------------


async def test_one_ticket_with_its_timeline_and_every_linked_thread(
    db: Database, client: httpx.AsyncClient
) -> None:
    first = ThreadRef(RELAY, "1732550000.000100")
    second = ThreadRef("C0TECH", "1732550500.000200")
    async with db.unit_of_work() as session:
        service = TicketService(session)
        await service.create(
            NewTicket(
                title="Other",
                category=F,
                priority=LOW,
                location="Truro",
                created_by=OP2,
                submitted_by=OP2,
                source=Source.MANUAL,
            )
        )
        ticket = await service.create(
            NewTicket(
                title="Projector dead in bay 2",
                description="Customer says the screen is black",
                category=T,
                priority=HIGH,
                location="Bedford",
                bay=2,
                created_by="OperatorGPT",
                submitted_by="cust-7",
                source=Source.MESSAGE_THREAD,
                decided_by="llm",
                thread=first,
            )
        )
        tid = ticket.ticket_id
        await service.assign(tid, OP1, actor=OP2, expected_version=None)
        await service.change_status(tid, PROG, actor=OP1, expected_version=None)
        await service.add_note(tid, "Power-cycled, waiting", actor=OP1, expected_version=None)
        await service.link_thread(tid, second, actor=OP1)

    answer = await client.get(f"/api/tickets/{tid}", headers=AUTH)
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == [*TICKET_KEYS, "events"]
    check_ticket_json({k: v for k, v in body.items() if k != "events"})
    assert body["ticket_id"] == tid == "T-2"
    assert body["linked_thread"] == str(first)
    assert body["linked_threads"] == [str(first), str(second)]
    assert (body["status"], body["assigned_to"], body["bay"]) == ("in_progress", OP1, 2)
    assert body["decided_by"] == "llm"

    events = body["events"]
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
    assert events[4]["changes"] == {"linked_threads": [None, str(second)]}

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


# --- health ----------------------------------------------------------------------------


async def test_health_is_ok_when_the_database_answers(client: httpx.AsyncClient) -> None:
    answer = await client.get("/healthz")  # no token needed
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
async def test_health_is_503_with_a_reason_when_the_database_is_unreachable(
    tmp_path: Path, backend: str
) -> None:
    url = (
        f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none"
        if backend == "postgresql"
        else f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/tickets.db"
    )
    async with api_client(url) as http:
        answer = await http.get("/healthz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] != "ok"
    assert "database" in body["reason"]


# --- the OpenAPI description -----------------------------------------------------------


async def test_openapi_describes_both_paths_their_parameters_and_the_bearer_scheme(
    tmp_path: Path,
) -> None:
    async with api_client(f"sqlite+aiosqlite:///{tmp_path}/unused.db") as http:
        answer = await http.get("/openapi.json")  # no token needed
    assert answer.status_code == 200
    schema = answer.json()
    paths = schema["paths"]
    schemes = schema["components"]["securitySchemes"]
    bearer = [n for n, s in schemes.items() if (s["type"], s.get("scheme")) == ("http", "bearer")]
    assert bearer, schemes

    listing = paths["/api/tickets"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert set(params) == {
        "status",
        "location",
        "priority",
        "category",
        "assigned",
        "assignee",
        "limit",
        "cursor",
    }
    assert all(
        p["in"] == "query" and not p["required"] and p["description"] for p in params.values()
    )
    assert {"200", "400", "401", "503"} <= set(listing["responses"])
    assert listing["security"] == [{bearer[0]: []}]

    one = paths["/api/tickets/{ticket_id}"]["get"]
    assert [(p["name"], p["in"]) for p in one["parameters"]] == [("ticket_id", "path")]
    assert {"200", "401", "404", "503"} <= set(one["responses"])
    assert one["security"] == [{bearer[0]: []}]
    assert "/healthz" in paths

    # The documented shapes are the contract's: the seed keys and the extras.
    components = schema["components"]["schemas"]
    page_ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = components[page_ref.rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"tickets", "next_cursor"}
    ticket_ref = page["properties"]["tickets"]["items"]["$ref"]
    assert list(components[ticket_ref.rsplit("/", 1)[1]]["properties"]) == TICKET_KEYS
    one_ref = one["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert list(components[one_ref.rsplit("/", 1)[1]]["properties"]) == [*TICKET_KEYS, "events"]


# --- through a real `serve` ------------------------------------------------------------


async def test_serve_answers_an_authorised_ticket_list_over_http(
    tmp_path: Path, sqlite_template: Path
) -> None:
    shutil.copy(sqlite_template, tmp_path / "serve.db")  # migrating is test_serve's concern
    port = free_port()
    url = f"sqlite+aiosqlite:///{tmp_path}/serve.db"
    env = {**os.environ, "DATABASE_URL": url, "API_TOKEN": "serve-token"}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "CLUBOS_CONFIG"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from app.cli import main; main()",
            "serve",
            "--without-slack",
            "--port",
            str(port),
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.communicate()[0]) from None
                time.sleep(0.2)
        assert health.status_code == 200

        database = Database(url)
        try:
            ids = await seed(database, SPECS[:3])
        finally:
            await database.dispose()

        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            assert (await http.get("/api/tickets")).status_code == 401
            wrong = await http.get("/api/tickets", headers={"Authorization": "Bearer t0ken"})
            assert wrong.status_code == 401
            auth = {"Authorization": "Bearer serve-token"}
            answer = await http.get("/api/tickets?limit=2", headers=auth)
            assert answer.status_code == 200
            body = answer.json()
            assert [t["ticket_id"] for t in body["tickets"]] == [ids[2], ids[1]]
            assert body["next_cursor"] == ids[1]
            for ticket in body["tickets"]:
                check_ticket_json(ticket)
            one = await http.get(f"/api/tickets/{ids[0]}", headers=auth)
            assert one.status_code == 200 and one.json()["events"][0]["action"] == "created"
            assert (await http.get("/api/tickets?status=nope", headers=auth)).json()[
                "parameter"
            ] == "status"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
