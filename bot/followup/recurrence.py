"""Recurrence: the same problem at the same place, reported again and again. The third
similar ticket (same location, bay and problem) within 7 days groups them all under a
parent ticket one priority step above the worst of them; later ones join that parent.
The digest names each open pattern ("3 projector-dim tickets in Bay 4 this week")."""

from __future__ import annotations

from datetime import datetime

from bot.followup.patterns import PARENT_PREFIX, WINDOW, label_for, phrase
from bot.intake.dedup import problem_key
from bot.intake.problems import conflict, reading_of, ticket_text
from bot.tickets.domain import Priority, Status, Ticket, TicketDraft, TicketEdit
from bot.tickets.notices import Notifier
from bot.tickets.rows import to_ticket
from bot.tickets.service import TicketService
from bot.tickets.status import OPEN_STATUSES, OPEN_VALUES
from storage.recurrence import RecurrenceRepository

THRESHOLD = 3  # the third similar ticket within the window makes a pattern
PROBLEM_KEY_MAX = 128  # tickets.problem_key
DECIDED_BY = "recurrence"

# Resolved tickets count too: a problem fixed and back again is what recurrence means.
COUNTED_STATUSES = sorted(s.value for s in Status if s != Status.ARCHIVED)


def is_parent(ticket: Ticket) -> bool:
    return bool(ticket.problem_key and ticket.problem_key.startswith(PARENT_PREFIX))


def problem_of(ticket: Ticket) -> str | None:
    """The ticket's problem: its stored key, else the rules' reading of its text."""
    return ticket.problem_key or _text_key(ticket)


def _text_key(ticket: Ticket) -> str | None:
    return problem_key(ticket_text(ticket))


def same_problem(a: Ticket, b: Ticket) -> bool:
    """Problem keys when both tickets carry one; else the rules' reading of both texts:
    the same main problem, and no different thing or room named ("men's toilet
    overflowing" three times is a pattern; once each in two rooms and a urinal is not)."""
    if a.problem_key and b.problem_key:
        return a.problem_key == b.problem_key
    key = _text_key(a)
    if key is None or key != _text_key(b):
        return False
    return conflict(reading_of(ticket_text(a)), reading_of(ticket_text(b))) is None


def raised(priority: Priority) -> Priority:
    """One step more urgent; critical stays critical."""
    order = list(Priority)
    return order[min(priority.rank + 1, len(order) - 1)]


async def check_recurrence(
    tickets: TicketService, notify: Notifier, ticket: Ticket, now: datetime, *, actor: str
) -> Ticket | None:
    """Group `ticket` with its similar predecessors when it is the third or later within
    7 days: create (or reuse the open) parent and link every one of them under it. Runs
    in the caller's unit of work, right after the ticket was created; `actor` (the AI's
    name) opens the parent. Returns the parent, or None when there is no pattern.

    On PostgreSQL the ticket counter's row lock, taken when `ticket` was numbered, is held
    until commit: two tickets created at once are grouped one after the other, so they
    never make two parents."""
    if is_parent(ticket):
        return None
    key = problem_of(ticket)
    if key is None:
        return None
    repo = RecurrenceRepository(tickets.session)
    similar = await _similar_tickets(repo, ticket, now)
    if len(similar) < THRESHOLD:
        return None
    parents = await _parents_of(tickets, similar)
    open_parent = await _open_parent(repo, ticket, parents, _parent_key(key))
    priority = raised(max((t.priority for t in similar), key=lambda p: p.rank))
    title = _parent_title(len(similar), key, ticket)
    if open_parent is not None:
        parent = await _update_parent(tickets, notify, open_parent, title, priority, actor)
    else:
        parent = await tickets.create(
            _new_parent(ticket, similar, key, title, priority), actor=actor, source=ticket.source
        )
    await _link_under(tickets, parent, similar, parents, actor)
    parent = await tickets.get(parent.ticket_id)
    if open_parent is None:
        notify.created(parent)
    return parent


def _parent_key(key: str) -> str:
    return f"{PARENT_PREFIX}{key}"[:PROBLEM_KEY_MAX]


def _parent_title(count: int, key: str, ticket: Ticket) -> str:
    """E.g. "Recurring: 3 projector-dim tickets in Bay 4 this week"."""
    words = phrase(count, label_for(key), ticket.location, ticket.bay, this_week=True)
    return f"Recurring: {words}"


async def _similar_tickets(
    repo: RecurrenceRepository, ticket: Ticket, now: datetime
) -> list[Ticket]:
    """`ticket` and the tickets for its problem at its place within the window (parents
    aside), oldest first."""
    rows = await repo.created_since(ticket.location, ticket.bay, now - WINDOW, COUNTED_STATUSES)
    similar = [
        t
        for t in (to_ticket(row, ()) for row in rows)
        if t.number == ticket.number or (not is_parent(t) and same_problem(t, ticket))
    ]
    if all(t.number != ticket.number for t in similar):
        similar.append(ticket)
    return similar


async def _parents_of(tickets: TicketService, similar: list[Ticket]) -> dict[str, Ticket]:
    """The parents the similar tickets are linked under already, by ticket id."""
    parents: dict[str, Ticket] = {}
    for t in similar:
        if t.parent_id and t.parent_id not in parents:
            parents[t.parent_id] = await tickets.get(t.parent_id)
    return parents


async def _open_parent(
    repo: RecurrenceRepository, ticket: Ticket, parents: dict[str, Ticket], parent_key: str
) -> Ticket | None:
    """The open parent to group under: one of the similar tickets' own, else the open
    parent of this problem at this place."""
    open_parents = [p for p in parents.values() if p.status in OPEN_STATUSES]
    if not open_parents:
        found = await repo.with_problem_key(parent_key, ticket.location, ticket.bay, OPEN_VALUES)
        open_parents = [to_ticket(row, ()) for row in found]
    return open_parents[0] if open_parents else None


async def _update_parent(
    tickets: TicketService,
    notify: Notifier,
    parent: Ticket,
    title: str,
    priority: Priority,
    actor: str,
) -> Ticket:
    """Retitle the parent with the new count; raise its priority, never lower it."""
    wanted = max(parent.priority, priority, key=lambda p: p.rank)
    if parent.title == title and parent.priority == wanted:
        return parent
    parent = await tickets.edit(
        parent.ticket_id,
        TicketEdit(title=title, priority=wanted),
        actor=actor,
        expected_version=None,
    )
    notify.refresh_cards(parent)
    return parent


def _new_parent(
    ticket: Ticket, similar: list[Ticket], key: str, title: str, priority: Priority
) -> TicketDraft:
    where = f"{ticket.location}" + (f" bay {ticket.bay}" if ticket.bay is not None else "")
    return TicketDraft(
        title=title,
        category=ticket.category,
        priority=priority,
        location=ticket.location,
        bay=ticket.bay,
        description=(
            f"{len(similar)} tickets for the same problem ({label_for(key)}) at {where} within "
            f"7 days: {', '.join(t.ticket_id for t in similar)}. They are linked "
            "under this ticket."
        ),
        decided_by=DECIDED_BY,
        problem_key=_parent_key(key),
    )


async def _link_under(
    tickets: TicketService,
    parent: Ticket,
    similar: list[Ticket],
    parents: dict[str, Ticket],
    actor: str,
) -> None:
    """Link the similar tickets under `parent`; one already under another open parent
    stays there."""
    for t in similar:
        current = parents.get(t.parent_id) if t.parent_id else None
        keeps_own = current is not None and current.status in OPEN_STATUSES
        if t.parent_id != parent.ticket_id and not keeps_own:
            await tickets.set_parent(t.number, parent.number, actor=actor)
