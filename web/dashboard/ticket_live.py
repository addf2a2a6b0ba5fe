"""Keeping an open ticket page live (static/ticket.js, on static/live.js as the board):
`/tickets/{id}/state` answers the ticket's version, and `/tickets/{id}/fragment` the page's
read-only parts rendered again, with the forms' version, for the script to swap in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.intake.conversation import Conversations
from bot.tickets.domain import TicketError
from bot.tickets.reads import ReadOperations
from web.dashboard.board import SIGNED_OUT
from web.dashboard.pages import page
from web.dashboard.session import csrf_token, signed_in_user
from web.dashboard.ticket import load_view, when


def missing(error: TicketError) -> JSONResponse:
    return JSONResponse({"error": error.message}, status_code=404)


def ticket_live_routes(reads: ReadOperations, conversations: Conversations) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/tickets/{ticket_id}/state")
    async def state(request: Request, ticket_id: str) -> Response:
        if signed_in_user(request) is None:
            return JSONResponse(SIGNED_OUT, status_code=401)
        try:
            ticket = await reads.get(ticket_id)
        except TicketError as error:
            return missing(error)
        return JSONResponse({"version": ticket.version})

    @router.get("/tickets/{ticket_id}/fragment")
    async def fragment(request: Request, ticket_id: str) -> Response:
        if signed_in_user(request) is None:
            return JSONResponse(SIGNED_OUT, status_code=401)
        try:
            view = await load_view(reads, conversations, ticket_id)
        except TicketError as error:
            return missing(error)
        csrf = csrf_token(request)
        return page(
            request, "ticket_live.html", view=view, ticket=view.ticket, csrf=csrf, when=when
        )

    return router
