"""POST /api/system-events: monitoring reports device and site events. Thin: check the
bearer token, read the body, hand it to the events service, answer what it decided."""

from __future__ import annotations

import hmac
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.monitoring.parsing import BadEvent
from bot.monitoring.rules import Decision
from bot.monitoring.service import EventOutcome, SystemEvents

BEARER = "bearer "
PATH = "/api/system-events"


class SystemEventIn(BaseModel):
    """The body monitoring sends (described here; the service checks it)."""

    id: str = Field(description="Unique per event: a repeated id changes nothing")
    location: str = Field(description="A configured location name (any case)")
    event: str = Field(
        examples=["projector_offline", "pc_reset_failed", "internet_down", "leak_cleared"]
    )
    device: str | None = None
    bay: int | None = Field(default=None, description="Null for location-wide devices")
    occurred_at: str | None = Field(
        default=None, description="ISO-8601; defaults to the time of receipt"
    )
    source: str | None = Field(default=None, description="The reporting system")


class SystemEventAnswer(BaseModel):
    decision: str = Field(examples=[d.value for d in Decision])
    ticket_id: str | None
    duplicate: bool
    note: str


def _answer(status: int, decision: str, note: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"decision": decision, "ticket_id": None, "duplicate": False}
    body.update(note=note, **extra)
    return JSONResponse(body, status_code=status)


def _refusal(request: Request, token: str | None) -> JSONResponse | None:
    """503 while no token is configured; 401 without the right bearer token."""
    if token is None:
        return _answer(
            503, "unavailable", "The endpoint is off: set SYSTEM_EVENTS_TOKEN to turn it on."
        )
    header = request.headers.get("authorization", "")
    given = header[len(BEARER) :] if header.lower().startswith(BEARER) else ""
    if not given or not hmac.compare_digest(given.encode(), token.encode()):
        response = _answer(401, "unauthorized", "Missing or wrong bearer token.")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    return None


def _status(outcome: EventOutcome) -> int:
    if outcome.duplicate:
        return 200
    if outcome.decision is Decision.UNKNOWN_EVENT:
        return 202
    return 201 if outcome.decision.changed_ticket else 200


# The OpenAPI description of the route: every answer, and the body read by hand (so that
# a malformed one gets the service's own 400 rather than FastAPI's 422).
ROUTE_DOCS: dict[str, Any] = {
    "summary": "Report a monitoring event (idempotent on its id)",
    "response_model": SystemEventAnswer,
    "status_code": 200,
    "responses": {
        201: {"model": SystemEventAnswer, "description": "A ticket was opened or updated"},
        202: {"model": SystemEventAnswer, "description": "Unknown event: stored, no ticket"},
        400: {"description": "Not JSON, or a missing or wrongly typed field"},
        401: {"description": "Missing or wrong bearer token"},
        503: {"description": "SYSTEM_EVENTS_TOKEN is not configured"},
    },
    "openapi_extra": {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SystemEventIn.model_json_schema()}},
        }
    },
}


async def _receive(service: SystemEvents, token: str | None, request: Request) -> JSONResponse:
    refusal = _refusal(request, token)
    if refusal is not None:
        return refusal
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        reason = "body: the body is not JSON"
        return _answer(400, "rejected", reason, error=reason, field="body")
    except RecursionError:
        reason = "body: the body is nested too deeply"
        return _answer(400, "rejected", reason, error=reason, field="body")
    try:
        event = service.parse(body)
    except BadEvent as exc:
        reason = f"{exc.field}: {exc.reason}"
        return _answer(400, "rejected", reason, error=reason, field=exc.field)
    outcome = await service.receive(event)
    return JSONResponse(
        {
            "decision": outcome.decision.value,
            "ticket_id": outcome.ticket_id,
            "duplicate": outcome.duplicate,
            "note": outcome.note,
        },
        status_code=_status(outcome),
    )


def create_system_events_router(service: SystemEvents, token: str | None) -> APIRouter:
    router = APIRouter(tags=["system events"])

    @router.post(PATH, **ROUTE_DOCS)
    async def receive(request: Request) -> JSONResponse:
        return await _receive(service, token, request)

    return router
