"""The read API: tickets as the contract's ticket JSON, for tools outside Slack. The
routes read through the read use cases (ReadOperations)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from bot.tickets.domain import (
    AuditEvent,
    Category,
    InvalidTicket,
    Priority,
    Source,
    Status,
    TicketNotFound,
)
from bot.tickets.query import DEFAULT_LIMIT, MAX_LIMIT, BadParameter, parse_ticket_query
from bot.tickets.reads import ReadOperations
from bot.tickets.ticket_json import iso_utc, ticket_to_json
from web.dashboard.session import signed_in_user

BEARER = "bearer "

# Only for the OpenAPI description (a security scheme named "bearerAuth"); the guard
# below reads the header itself and decides 401/503 on its own.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="`Authorization: Bearer $API_TOKEN`",
)

# Parameters that may hold several values: comma-separated, or the parameter repeated.
MULTI_VALUE = ("status", "location", "priority", "category")


def bearer_guard(token: str | None) -> Callable[..., Awaitable[None]]:
    """401 without the right bearer token or a dashboard session (contract: "or a
    dashboard session"); 503 while no token is configured and nobody is signed in."""

    async def guard(
        request: Request,
        _credentials: Annotated[
            HTTPAuthorizationCredentials | None, Security(bearer_scheme)
        ] = None,
    ) -> None:
        # The session middleware is there only when the dashboard is mounted.
        if "session" in request.scope and signed_in_user(request) is not None:
            return
        if token is None:
            raise HTTPException(503, "The read API is off: set API_TOKEN to turn it on.")
        header = request.headers.get("authorization", "")
        given = header[len(BEARER) :] if header.lower().startswith(BEARER) else ""
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(
                401, "Missing or wrong bearer token.", headers={"WWW-Authenticate": "Bearer"}
            )

    return guard


# --- shapes, for the OpenAPI description (answers are built by ticket_to_json) -------


class TicketOut(BaseModel):
    """The contract's ticket JSON: the 13 seed keys, then the fixed extras."""

    ticket_id: str = Field(examples=["T-30981"])
    created_by: str = Field(description="The AI's name (e.g. OperatorGPT) or a Slack user id")
    submitted_by: str = Field(description="Customer id or Slack user id")
    source: Source
    linked_thread: str | None = Field(
        description="The first linked thread, `<channel id>:<thread root ts>`",
        examples=["C0RELAY:1732550000.000100"],
    )
    category: Category
    priority: Priority
    status: Status
    title: str
    description: str
    location: str
    timestamp: datetime = Field(description="Created at, ISO-8601 UTC with `Z`")
    assigned_to: str | None = Field(description="Slack user id")
    linked_threads: list[str] = Field(description="Every linked thread, the first included")
    bay: int | None
    resolution_notes: str | None
    hold_reason: str | None
    updated_at: datetime
    resolved_at: datetime | None
    learnable: bool
    decided_by: str | None = Field(description="`llm`, `rules` or a Slack user id")
    dismissed: bool = Field(description="An operator said it should never have been a ticket")


class AuditEventOut(BaseModel):
    at: datetime
    actor: str
    action: str = Field(examples=["created", "assigned", "status", "note", "thread_linked"])
    changes: dict[str, list[Any]] = Field(description="field: [before, after]")
    note: str | None


class TicketWithEvents(TicketOut):
    events: list[AuditEventOut] = Field(description="The audit timeline, oldest first")


class TicketPage(BaseModel):
    tickets: list[TicketOut] = Field(description="Newest first")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page"
    )


class BadParameterOut(BaseModel):
    error: str
    parameter: str = Field(description="The query parameter that was refused")


class ErrorOut(BaseModel):
    error: str


class DetailOut(BaseModel):
    detail: str


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": DetailOut, "description": "Missing or wrong bearer token"},
    503: {"model": DetailOut, "description": "API_TOKEN is not configured: the API is off"},
}


def _choice_help(what: str, allowed: type[Status] | type[Priority] | type[Category]) -> str:
    names = ", ".join(m.value for m in allowed)
    return f"{what}: one or more of {names} (comma-separated)"


# The list's parameters, declared for the description; the values are read (and checked,
# answering 400 naming the parameter) by parse_ticket_query.
StatusQuery = Annotated[str | None, Query(description=_choice_help("Status", Status))]
LocationQuery = Annotated[
    str | None, Query(description="Location name(s), case-insensitive (comma-separated)")
]
PriorityQuery = Annotated[str | None, Query(description=_choice_help("Priority", Priority))]
CategoryQuery = Annotated[str | None, Query(description=_choice_help("Category", Category))]
AssignedQuery = Annotated[
    str | None, Query(description="`yes`: only assigned tickets; `no`: only unassigned ones")
]
AssigneeQuery = Annotated[
    str | None, Query(description="Only tickets assigned to this Slack user id")
]
LimitQuery = Annotated[
    str | None,
    Query(description=f"Page size, a whole number 1..{MAX_LIMIT} (default {DEFAULT_LIMIT})"),
]
CursorQuery = Annotated[
    str | None, Query(description="`next_cursor` of the previous page (a ticket id)")
]

Route = Callable[..., Awaitable[JSONResponse]]


def _query_values(request: Request) -> dict[str, str]:
    """The query string as parse_ticket_query reads it; a repeated multi-value parameter
    (`status=open&status=on_hold`) counts like its comma-separated form."""
    params = request.query_params
    values = {key: params[key] for key in params}
    for key in MULTI_VALUE:
        if len(params.getlist(key)) > 1:
            values[key] = ",".join(params.getlist(key))
    return values


def _event_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": iso_utc(event.at),
        "actor": event.actor,
        "action": event.action,
        "changes": event.changes,
        "note": event.note,
    }


def create_api(reads: ReadOperations, api_token: str | None) -> APIRouter:
    router = APIRouter(
        prefix="/api",
        tags=["tickets"],
        dependencies=[Depends(bearer_guard(api_token))],
        responses=AUTH_RESPONSES,
    )
    router.get(
        "/tickets",
        summary="List tickets, newest first, with filters and a cursor",
        response_model=TicketPage,
        responses={400: {"model": BadParameterOut, "description": "A bad parameter value"}},
    )(_list_route(reads))
    router.get(
        "/tickets/{ticket_id}",
        summary="One ticket with its audit timeline and linked threads",
        response_model=TicketWithEvents,
        responses={404: {"model": ErrorOut, "description": "No such ticket"}},
    )(_get_route(reads))
    return router


def _list_route(reads: ReadOperations) -> Route:
    async def list_tickets(
        request: Request,
        status: StatusQuery = None,
        location: LocationQuery = None,
        priority: PriorityQuery = None,
        category: CategoryQuery = None,
        assigned: AssignedQuery = None,
        assignee: AssigneeQuery = None,
        limit: LimitQuery = None,
        cursor: CursorQuery = None,
    ) -> JSONResponse:
        try:
            asked = parse_ticket_query(_query_values(request))
        except BadParameter as exc:
            return JSONResponse({"error": str(exc), "parameter": exc.parameter}, status_code=400)
        page = await reads.page(asked)
        return JSONResponse(
            {"tickets": [ticket_to_json(t) for t in page.tickets], "next_cursor": page.next_cursor}
        )

    return list_tickets


def _get_route(reads: ReadOperations) -> Route:
    async def get_ticket(ticket_id: str) -> JSONResponse:
        try:
            history = await reads.history(ticket_id)
        except (TicketNotFound, InvalidTicket) as exc:
            return JSONResponse({"error": exc.message}, status_code=404)
        body: dict[str, Any] = ticket_to_json(history.ticket)
        body["events"] = [_event_json(e) for e in history.events]
        return JSONResponse(body)

    return get_ticket
