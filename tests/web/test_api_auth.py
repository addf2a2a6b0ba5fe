"""The read API's bearer token: required on every ticket path, checked before anything
else, and a 503 while none is configured."""

from __future__ import annotations

import httpx

from storage.db import Database
from tests.web.read_api import AUTH, SPECS, TOKEN, api_client, seed


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
