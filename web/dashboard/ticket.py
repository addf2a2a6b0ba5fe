"""The ticket page: every field, the customer conversation of each linked thread, the
audit timeline, related tickets, and the forms operators change the ticket with (their
POSTs are in web.dashboard.ticket_changes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from fastapi.responses import HTMLResponse

from bot.intake.conversation import Conversation, Conversations
from bot.tickets.domain import Status, ThreadRef, Ticket, TicketError, TicketFilter
from bot.tickets.reads import ReadOperations, TicketHistory
from web.dashboard.pages import page
from web.dashboard.session import csrf_token

RELATED_LIMIT = 100  # children shown at most (newest first)


@dataclass(frozen=True)
class TicketView:
    history: TicketHistory
    conversations: list[Conversation]
    children: list[Ticket]
    linked: list[Ticket]  # other tickets on one of this ticket's threads

    @property
    def ticket(self) -> Ticket:
        return self.history.ticket


async def load_view(
    reads: ReadOperations, conversations: Conversations, ticket_id: str
) -> TicketView:
    """Everything the page shows; TicketNotFound, or InvalidTicket for a malformed id."""
    history = await reads.history(ticket_id)
    ticket = history.ticket
    children = await reads.list(TicketFilter(parent=ticket.ticket_id, limit=RELATED_LIMIT))
    linked: dict[str, Ticket] = {}
    for ref in ticket.linked_threads:
        thread = ThreadRef.parse(ref)
        if thread is None:
            continue
        for other in await reads.for_thread(thread):
            if other.ticket_id != ticket.ticket_id:
                linked.setdefault(other.ticket_id, other)
    talks = await conversations.of_threads(ticket.linked_threads)
    return TicketView(history, talks, list(children), list(linked.values()))


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def show_ticket(
    request: Request,
    user: str,
    view: TicketView,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "ticket.html",
        status_code,
        user=user,
        csrf=csrf_token(request),
        view=view,
        ticket=view.ticket,
        statuses=[s for s in Status if s != view.ticket.status],
        problem=problem,
        when=when,
    )


def show_missing(request: Request, user: str, missing: TicketError) -> HTMLResponse:
    return page(
        request,
        "message.html",
        404,
        user=user,
        csrf=csrf_token(request),
        title="No such ticket",
        text=missing.message,
        hint="The board lists every ticket.",
    )
