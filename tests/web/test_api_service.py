"""The API as a service: health, the OpenAPI description, and a real `serve` subprocess
answering the ticket list over TCP."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from storage.db import Database
from tests.support.cli import cli_env, free_port, serving
from tests.web.read_api import SPECS, TICKET_KEYS, api_client, check_ticket_json, seed


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

    _check_documented_shapes(schema["components"]["schemas"], listing, one)


def _check_documented_shapes(
    components: dict[str, Any], listing: dict[str, Any], one: dict[str, Any]
) -> None:
    """The documented shapes are the contract's: the seed keys and the extras."""
    page_ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = components[page_ref.rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"tickets", "next_cursor"}
    ticket_ref = page["properties"]["tickets"]["items"]["$ref"]
    assert list(components[ticket_ref.rsplit("/", 1)[1]]["properties"]) == TICKET_KEYS
    one_ref = one["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert list(components[one_ref.rsplit("/", 1)[1]]["properties"]) == [*TICKET_KEYS, "events"]


async def test_serve_answers_an_authorised_ticket_list_over_http(
    tmp_path: Path, sqlite_template: Path
) -> None:
    shutil.copy(sqlite_template, tmp_path / "serve.db")  # migrating is test_serve's concern
    url = f"sqlite+aiosqlite:///{tmp_path}/serve.db"
    with serving(tmp_path, cli_env(url, API_TOKEN="serve-token")) as served:
        assert served.health.status_code == 200

        database = Database(url)
        try:
            ids = await seed(database, SPECS[:3])
        finally:
            await database.dispose()

        async with httpx.AsyncClient(base_url=served.base_url, timeout=5) as http:
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
