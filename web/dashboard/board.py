"""The board: every ticket as a card, in its status's column (kanban) or in a list grouped
by location or priority, filtered and sorted by the query string (the same parameters as
the read API, plus `q` for text, `archived=1`, `sort`, `view`, `group`), so a view can be
bookmarked and shared. `/board/state` answers a fingerprint of what the board shows and
`/board/fragment` the board itself, for static/board.js to keep an open board live."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bot.tickets.domain import Category, Priority, Status, Ticket, TicketFilter
from bot.tickets.query import BadParameter, parse_ticket_query
from bot.tickets.reads import ReadOperations
from bot.tickets.status import OPEN_STATUSES
from web.dashboard.pages import page
from web.dashboard.session import csrf_token, signed_in_user
from web.dashboard.view import (
    GROUPS,
    SORTS,
    VIEWS,
    Layout,
    countdown,
    fingerprint,
    groups,
    layout,
    sorted_tickets,
    span,
)

# Cards on one board at most (see first_shown), so a long board never hides an open critical
# ticket behind old ones; more than this says so and asks for a filter. Rendering the cards
# is most of a board's time (about 0.1 ms each): 200 left a board at 100k tickets 40-55 ms
# at p95 against a target of 50; a hundred is still more than a desk's screen shows.
BOARD_LIMIT = 100
# A text filter is matched by reading every ticket's title and description: its count stops
# here ("1,000+"), where an exact one cost 60 ms at 100k tickets.
TEXT_COUNTED = 1000
COLUMNS = (Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD, Status.RESOLVED)
FILTER_NAMES = (
    *("location", "priority", "category", "status", "assigned", "assignee", "q"),
    *("sort", "view", "group"),
)
SIGNED_OUT = {"error": "signed out: ask for a link with /ticket web in Slack"}


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
    return replace(
        flt, statuses=statuses, text=text, before=None, limit=BOARD_LIMIT, urgent_first=True
    )


def columns(tickets: list[Ticket], statuses: list[Status]) -> list[Column]:
    return [Column(s, tuple(t for t in tickets if t.status == s)) for s in statuses]


def age(ticket: Ticket, now: datetime) -> str:
    """How long ago the ticket was opened, shortly: "5m", "3h", "2d"."""
    return span((now - ticket.timestamp).total_seconds())


@dataclass(frozen=True)
class Shown:
    """One board as the query string asks for it."""

    statuses: list[Status]
    layout: Layout
    tickets: list[Ticket]
    now: datetime
    matching: int  # tickets the filters match, shown or not
    more_matching: bool = False  # and more than that (a text filter's count stops)


async def first_shown(reads: ReadOperations, flt: TicketFilter) -> list[Ticket]:
    """The BOARD_LIMIT tickets a board shows when more match: the open ones (open, in
    progress, on hold) most urgent first, then the newest of the rest (resolved, archived)."""
    active = [s for s in flt.statuses if s in OPEN_STATUSES]
    done = [s for s in flt.statuses if s not in OPEN_STATUSES]
    found = await reads.list(replace(flt, statuses=active)) if active else []
    if done and len(found) < BOARD_LIMIT:
        rest = replace(flt, statuses=done, limit=BOARD_LIMIT - len(found), urgent_first=False)
        found += await reads.list(rest)
    return found


async def shown_board(
    reads: ReadOperations, params: dict[str, str], *, counted: bool = True
) -> Shown:
    """BadParameter naming a bad parameter. Not `counted`: `matching` is only what is shown."""
    flt = board_filter(params)
    arranged = layout(params)
    found = await first_shown(reads, flt)
    at_most = TEXT_COUNTED if flt.text else None
    matching = (
        await reads.count(flt, at_most) if counted and len(found) >= BOARD_LIMIT else len(found)
    )
    shown = sorted_tickets(found, arranged.sort)
    more = at_most is not None and matching >= at_most
    return Shown(list(flt.statuses), arranged, shown, datetime.now(UTC), matching, more)


def board_context(request: Request, shown: Shown | None) -> dict[str, Any]:
    """What board.html and board_body.html render (`shown` None: a bad query string)."""
    params = dict(request.query_params)
    now = shown.now if shown else datetime.now(UTC)
    tickets = shown.tickets if shown else []
    return {
        "filters": {name: params.get(name, "") for name in FILTER_NAMES},
        "archived": params.get("archived") == "1",
        "choices": {"priority": Priority, "category": Category, "status": Status},
        "layouts": {"sort": SORTS, "view": VIEWS, "group": GROUPS},
        "layout": shown.layout if shown else Layout(SORTS[0], VIEWS[0], GROUPS[0]),
        "columns": columns(tickets, shown.statuses) if shown else [],
        "groups": groups(tickets, shown.layout.group) if shown else [],
        "query": request.url.query,
        "fingerprint": fingerprint(tickets, now),
        "matching": shown.matching if shown else 0,
        "more_matching": shown.more_matching if shown else False,
        "shown_count": len(tickets),
        "now": now,
        "age": age,
        "countdown": countdown,
    }


def board_routes(reads: ReadOperations) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def board(request: Request) -> Response:
        user = signed_in_user(request)
        if user is None:
            return RedirectResponse("/signed-out", status_code=303)
        signed: dict[str, Any] = {"user": user, "csrf": csrf_token(request)}
        try:
            shown = await shown_board(reads, dict(request.query_params))
        except BadParameter as exc:
            context = board_context(request, None)
            return page(request, "board.html", 400, problem=str(exc), **signed, **context)
        context = board_context(request, shown)
        return page(request, "board.html", problem=None, **signed, **context)

    @router.get("/board/fragment")
    async def fragment(request: Request) -> Response:
        if signed_in_user(request) is None:
            return JSONResponse(SIGNED_OUT, status_code=401)
        try:
            shown = await shown_board(reads, dict(request.query_params))
        except BadParameter as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return page(request, "board_body.html", **board_context(request, shown))

    @router.get("/board/state")
    async def state(request: Request) -> Response:
        if signed_in_user(request) is None:
            return JSONResponse(SIGNED_OUT, status_code=401)
        try:
            shown = await shown_board(reads, dict(request.query_params), counted=False)
        except BadParameter as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"fingerprint": fingerprint(shown.tickets, shown.now)})

    return router
