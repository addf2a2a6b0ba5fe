"""The ticket page's routes: showing it, and each operator change as a CSRF-checked POST
form through the same use cases as Slack (so the Slack cards update in place). Operator
rights are checked again by the use case on every change; the version the page showed
guards against changing a ticket someone else changed meanwhile."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bot.intake.conversation import Conversations
from bot.tickets.domain import InvalidTicket, StaleTicket, Status, Ticket, TicketError
from bot.tickets.permissions import NotAllowed
from bot.tickets.usecases import Operations
from web.dashboard.session import check_csrf, signed_in_user
from web.dashboard.ticket import load_view, show_missing, show_ticket

Form = dict[str, str]
# A change: (operations, actor, ticket id, the form, the version the page showed).
Change = Callable[[Operations, str, str, Form, int], Awaitable[Ticket]]


async def change_status(
    ops: Operations, actor: str, ticket_id: str, form: Form, seen: int
) -> Ticket:
    try:
        status = Status(form.get("status", ""))
    except ValueError:
        raise InvalidTicket("Pick the status to move the ticket to.") from None
    return await ops.change_status(
        actor,
        ticket_id,
        status,
        expected_version=seen,
        hold_reason=form.get("hold_reason", "").strip() or None,
        resolution_notes=form.get("resolution_notes", "").strip() or None,
    )


async def assign(ops: Operations, actor: str, ticket_id: str, form: Form, seen: int) -> Ticket:
    assignee = form.get("assignee", "").strip().lstrip("@") or None  # empty: unassign
    return await ops.assign(actor, ticket_id, assignee, expected_version=seen)


async def add_note(ops: Operations, actor: str, ticket_id: str, form: Form, seen: int) -> Ticket:
    return await ops.add_note(actor, ticket_id, form.get("text", ""), expected_version=seen)


async def set_learnable(
    ops: Operations, actor: str, ticket_id: str, form: Form, seen: int
) -> Ticket:
    learnable = form.get("learnable") == "yes"
    return await ops.set_learnable(actor, ticket_id, learnable, expected_version=seen)


CHANGES: dict[str, Change] = {
    "status": change_status,
    "assign": assign,
    "note": add_note,
    "learnable": set_learnable,
}


def refusal_status(refusal: TicketError) -> int:
    if isinstance(refusal, NotAllowed):
        return 403
    if isinstance(refusal, StaleTicket):
        return 409
    return 400


def seen_version(form: Form) -> int:
    try:
        return int(form.get("version", ""))
    except ValueError:
        raise InvalidTicket("The form is missing the ticket's version: reload the page.") from None


def ticket_routes(operations: Operations, conversations: Conversations) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/tickets/{ticket_id}")
    async def ticket_page(request: Request, ticket_id: str) -> Response:
        user = signed_in_user(request)
        if user is None:
            return RedirectResponse("/signed-out", status_code=303)
        try:
            view = await load_view(operations, conversations, ticket_id)
        except TicketError as missing:
            return show_missing(request, user, missing)
        return show_ticket(request, user, view)

    @router.post("/tickets/{ticket_id}/{change}")
    async def change_ticket(request: Request, ticket_id: str, change: str) -> Response:
        user = signed_in_user(request)
        if user is None:
            return RedirectResponse("/signed-out", status_code=303)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        check_csrf(request, form.get("csrf"))
        act = CHANGES.get(change)
        try:
            view = await load_view(operations, conversations, ticket_id)
        except TicketError as missing:
            return show_missing(request, user, missing)
        if act is None:
            return show_ticket(request, user, view, f"No such change: {change}.", 404)
        try:
            await act(operations, user, view.ticket.ticket_id, form, seen_version(form))
        except TicketError as refused:
            return show_ticket(request, user, view, refused.message, refusal_status(refused))
        return RedirectResponse(f"/tickets/{view.ticket.ticket_id}", status_code=303)

    return router
