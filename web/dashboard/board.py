"""The board: every ticket as a card in its status's column, filtered by the query string
(the same parameters as the read API, plus `q` for text and `archived=1`), so a view can
be bookmarked and shared."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bot.tickets.domain import Category, Priority, Status, Ticket, TicketFilter
from bot.tickets.query import BadParameter, parse_ticket_query
from bot.tickets.reads import ReadOperations
from web.dashboard.pages import page
from web.dashboard.session import csrf_token, signed_in_user

BOARD_LIMIT = 500  # cards on one board at most (newest first)
COLUMNS = (Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD, Status.RESOLVED)
FILTER_NAMES = ("location", "priority", "category", "status", "assigned", "assignee", "q")


@dataclass(frozen=True)
class Column:
    status: Status
    tickets: tuple[Ticket, ...]


def board_filter(params: dict[str, str]) -> TicketFilter:
    """The tickets a board shows; BadParameter naming a bad parameter."""
    flt = parse_ticket_query(params).filter
    shown = (*COLUMNS, Status.ARCHIVED) if params.get("archived") == "1" else COLUMNS
    statuses = [s for s in flt.statuses if s in shown] if flt.statuses else list(shown)
    text = (params.get("q") or "").strip() or None
    return replace(flt, statuses=statuses, text=text, before=None, limit=BOARD_LIMIT)


def columns(tickets: list[Ticket], statuses: list[Status]) -> list[Column]:
    return [Column(s, tuple(t for t in tickets if t.status == s)) for s in statuses]


def age(ticket: Ticket, now: datetime) -> str:
    """How long ago the ticket was opened, shortly: "5m", "3h", "2d"."""
    minutes = max(0, int((now - ticket.timestamp).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 24 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // (24 * 60)}d"


def board_routes(reads: ReadOperations) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def board(request: Request) -> Response:
        user = signed_in_user(request)
        if user is None:
            return RedirectResponse("/signed-out", status_code=303)
        params = dict(request.query_params)
        context: dict[str, Any] = {
            "user": user,
            "csrf": csrf_token(request),
            "filters": {name: params.get(name, "") for name in FILTER_NAMES},
            "archived": params.get("archived") == "1",
            "choices": {"priority": Priority, "category": Category, "status": Status},
            "now": datetime.now(UTC),
            "age": age,
        }
        try:
            flt = board_filter(params)
        except BadParameter as exc:
            return page(request, "board.html", 400, columns=[], problem=str(exc), **context)
        found = list(await reads.list(flt))
        shown = columns(found, list(flt.statuses))
        return page(request, "board.html", columns=shown, problem=None, **context)

    return router
