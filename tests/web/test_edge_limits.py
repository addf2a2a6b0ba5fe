"""Bodies capped on every route (413, decided while reading), query values with NUL or
past their length refused (400), and a system event nested 50,000 deep refused (400)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from standin.slack_api import SlackStub
from tests.support.app_harness import Harness
from tests.support.edge import TOKEN, edge_harness, stored_rows
from tests.support.relay import customer_says
from web.body_limit import BodyLimit

AUTH = {"Authorization": f"Bearer {TOKEN}"}
CAP = 64 * 1024


@pytest.fixture
async def edge(slack_stub: SlackStub, db_url: str) -> AsyncIterator[Harness]:
    async with edge_harness(slack_stub, db_url, max_request_body_bytes=CAP) as harness:
        yield harness


async def test_a_signed_message_over_the_cap_is_413_and_stores_nothing(edge: Harness) -> None:
    before = await stored_rows(edge.runtime.database)
    response = await edge.post(customer_says("toilet overflowing " * 10_000, "1.000001"))
    assert response.status_code == 413
    small = await edge.post(customer_says("toilet overflowing", "1.000002"))
    assert small.status_code == 200
    await edge.settle()
    after = await stored_rows(edge.runtime.database)
    assert after["inbox_events"] == before["inbox_events"] + 1


@pytest.mark.parametrize("path", ["/slack/events", "/api/system-events", "/logout", "/healthz"])
async def test_every_route_refuses_a_body_over_the_cap(edge: Harness, path: str) -> None:
    response = await edge.http.post(path, content=b"x" * (CAP + 1), headers=AUTH)
    assert response.status_code == 413


async def test_a_body_without_a_length_is_read_only_up_to_the_cap() -> None:
    """No Content-Length (chunked): the middleware stops reading past the cap."""
    reached: list[bytes] = []

    async def app(scope: object, receive: object, send: object) -> None:  # pragma: no cover
        reached.append(b"app")

    sent: list[dict[str, object]] = []
    chunks_read = 0

    async def receive() -> dict[str, object]:
        nonlocal chunks_read
        chunks_read += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    limit = BodyLimit(app, max_bytes=CAP)
    await limit({"type": "http", "headers": []}, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 413
    assert chunks_read == CAP // 1024 + 1
    assert reached == []


async def test_a_system_event_nested_deeply_is_400(edge: Harness) -> None:
    response = await edge.http.post("/api/system-events", content=b"[" * 50_000, headers=AUTH)
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["error"]


@pytest.mark.parametrize(
    "query",
    ["location=Bedford%00", "assignee=U0%00", "cursor=T-1%00", "location=" + "B" * 500],
)
async def test_nul_and_overlong_filters_are_400_naming_the_parameter(
    edge: Harness, query: str
) -> None:
    response = await edge.http.get(f"/api/tickets?{query}", headers=AUTH)
    assert response.status_code == 400
    assert response.json()["parameter"] == query.split("=")[0]


async def test_the_api_still_filters_after_the_checks(edge: Harness) -> None:
    response = await edge.http.get("/api/tickets?location=Bedford&limit=5", headers=AUTH)
    assert response.status_code == 200


async def test_an_unsigned_post_of_10_mb_is_refused_without_reading_it(edge: Harness) -> None:
    body = b"{" + b"a" * 10_000_000
    response = await edge.http.post("/slack/events", content=body)
    assert response.status_code == 413
    assert isinstance(edge.http, httpx.AsyncClient)
