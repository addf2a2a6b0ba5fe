"""Threads, edits, notes, assignment and the learnable flag on both databases (the `db`
fixture): each change recorded before and after; a change that changes nothing records
nothing and keeps the version."""

from __future__ import annotations

import pytest

from bot.tickets.domain import (
    Category,
    InvalidTicket,
    Priority,
    StaleTicket,
    ThreadRef,
    Ticket,
    TicketEdit,
)
from bot.tickets.service import TicketService
from storage.db import Database
from tests.tickets.helpers import (
    OP,
    OPEN,
    OTHER,
    RELAY,
    RESOLVED,
    TECH,
    assert_refused,
    create,
    reach,
    state,
)

# --- threads -------------------------------------------------------------------------------


async def link_other_again_and_again(db: Database, first: Ticket) -> None:
    """OTHER linked to `first`, then OTHER and RELAY linked again: no-ops."""
    async with db.unit_of_work() as session:
        assert await TicketService(session).link_thread(first.ticket_id, OTHER, actor=OP)
        linked = await TicketService(session).get(first.ticket_id)
    assert linked.linked_threads == (str(RELAY), str(OTHER))
    assert linked.linked_thread == str(RELAY)
    # An event in the trail, not a change of the ticket's fields: no card goes stale.
    assert (linked.version, linked.updated_at) == (first.version, first.updated_at)
    before = await state(db, first.ticket_id)

    # Linking a thread that is already linked is a no-op: no version, no event.
    for thread in (OTHER, RELAY, ThreadRef.parse(str(OTHER))):
        assert thread is not None
        async with db.unit_of_work() as session:
            svc = TicketService(session)
            assert not await svc.link_thread(first.ticket_id, thread, actor=TECH)
            again = await svc.get(first.ticket_id)
        assert again == linked
    assert await state(db, first.ticket_id) == before


async def test_a_link_to_a_ticket_changed_since_it_was_read_is_refused(db: Database) -> None:
    """Triage read the ticket open; an operator resolved it meanwhile: the report is not
    filed under a resolved ticket (the relay decides again on the fresh state)."""
    read = await create(db, thread=RELAY)
    async with db.unit_of_work() as session:
        await TicketService(session).resolve(
            read.ticket_id, "fixed", actor=OP, expected_version=read.version
        )
    before = await state(db, read.ticket_id)
    with pytest.raises(StaleTicket):
        async with db.unit_of_work() as session:
            await TicketService(session).link_thread(
                read.ticket_id, OTHER, actor=OP, expected_version=read.version
            )
    assert await state(db, read.ticket_id) == before


async def test_threads_link_and_list(db: Database) -> None:
    first = await create(db, thread=RELAY)
    assert first.linked_threads == (str(RELAY),)
    assert first.linked_thread == "C0RELAY:1732550000.000100"
    await link_other_again_and_again(db, first)

    # A second ticket from the same customer thread; a ticket with no thread.
    second = await create(db, thread=RELAY, category=Category.FACILITIES)
    loner = await create(db)
    assert loner.linked_threads == () and loner.linked_thread is None

    async with db.unit_of_work() as session:
        svc = TicketService(session)
        on_relay = await svc.for_thread(RELAY)
        on_other = await svc.for_thread(OTHER)
        nowhere = await svc.for_thread(ThreadRef("C0RELAY", "1.000001"))
        other_channel = await svc.for_thread(ThreadRef("C0ELSE", RELAY.thread_ts))
        events = await svc.events(first.ticket_id)
        assert await svc.link_thread(loner.ticket_id, OTHER, actor=OP)
        loner_linked = await svc.get(loner.ticket_id)
        on_other_now = await svc.for_thread(OTHER)

    assert [t.ticket_id for t in on_relay] == [second.ticket_id, first.ticket_id]
    assert on_relay[1].linked_threads == (str(RELAY), str(OTHER))
    assert on_relay[0].linked_threads == (str(RELAY),)
    assert [t.ticket_id for t in on_other] == [first.ticket_id]
    assert nowhere == [] and other_channel == []
    assert [(e.actor, e.action, e.changes) for e in events][1:] == [
        (OP, "thread_linked", {"linked_threads": [None, str(OTHER)]})
    ]
    assert loner_linked.linked_thread == str(OTHER)
    assert [t.ticket_id for t in on_other_now] == [loner.ticket_id, first.ticket_id]


# --- learnable, edits, notes, assignment --------------------------------------------------


async def test_set_learnable_is_audited(db: Database) -> None:
    ticket = await reach(db, RESOLVED)
    async with db.unit_of_work() as session:
        on = await TicketService(session).set_learnable(
            ticket.ticket_id, True, actor=OP, expected_version=ticket.version
        )
    assert on.learnable is True and on.version == ticket.version + 1
    async with db.unit_of_work() as session:
        same = await TicketService(session).set_learnable(
            ticket.ticket_id, True, actor=TECH, expected_version=on.version
        )
    assert same == on  # no change, no event, no new version
    async with db.unit_of_work() as session:
        off = await TicketService(session).set_learnable(
            ticket.ticket_id, False, actor=TECH, expected_version=on.version
        )
    assert off.learnable is False
    _, events = await state(db, ticket.ticket_id)
    assert [(e.actor, e.action, e.changes) for e in events if e.action == "learnable"] == [
        (OP, "learnable", {"learnable": [False, True]}),
        (TECH, "learnable", {"learnable": [True, False]}),
    ]


async def edit_again(db: Database, ticket: Ticket, edited: Ticket) -> tuple[Ticket, Ticket]:
    """An edit that changes nothing, a retitle moving the ticket, then the bay cleared;
    returns the retitled and the cleared ticket."""
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        same = await svc.edit(
            ticket.ticket_id,
            TicketEdit(category=Category.FACILITIES),
            actor=OP,
            expected_version=2,
        )
        assert same == edited
        retitled = await svc.edit(
            ticket.ticket_id,
            TicketEdit(
                title="  Bay 2   projector\n dead ",
                description="No image at all.",
                location="Dartmouth",
                bay=4,
            ),
            actor=TECH,
            expected_version=2,
        )
        cleared = await svc.edit(
            ticket.ticket_id, TicketEdit(clear_bay=True), actor=TECH, expected_version=3
        )
    return retitled, cleared


async def test_edit_records_before_and_after(db: Database) -> None:
    ticket = await create(db, category=Category.TECH, priority=Priority.LOW, bay=2)
    async with db.unit_of_work() as session:
        edited = await TicketService(session).edit(
            ticket.ticket_id,
            TicketEdit(category=Category.FACILITIES, priority=Priority.HIGH, title=ticket.title),
            actor=OP,
            expected_version=1,
        )
    assert (edited.category, edited.priority, edited.version) == (
        Category.FACILITIES,
        Priority.HIGH,
        2,
    )
    retitled, cleared = await edit_again(db, ticket, edited)
    assert retitled.title == "Bay 2 projector dead"
    assert cleared.bay is None and cleared.version == 4
    _, events = await state(db, ticket.ticket_id)
    assert [(e.actor, e.action, e.changes) for e in events][1:] == [
        (OP, "edited", {"category": ["tech", "facilities"], "priority": ["low", "high"]}),
        (
            TECH,
            "edited",
            {
                "title": ["Projector in bay 2 flickers", "Bay 2 projector dead"],
                "description": ["The image flickers every few seconds.", "No image at all."],
                "location": ["Bedford", "Dartmouth"],
                "bay": [2, 4],
            },
        ),
        (TECH, "edited", {"bay": [4, None]}),
    ]


async def test_long_title_is_cut_to_the_limit(db: Database) -> None:
    ticket = await create(db, title="x" * 250)
    assert ticket.title == "x" * 200


async def test_notes_and_assignment(db: Database) -> None:
    ticket = await create(db)
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        noted = await svc.add_note(
            ticket.ticket_id, "  Called the customer ", actor=OP, expected_version=1
        )
        assigned = await svc.assign(ticket.ticket_id, TECH, actor=OP, expected_version=2)
        same = await svc.assign(ticket.ticket_id, TECH, actor=OP, expected_version=3)
        reassigned = await svc.assign(ticket.ticket_id, "U0ANNA", actor=TECH, expected_version=3)
        unassigned = await svc.assign(ticket.ticket_id, None, actor=OP, expected_version=4)
    assert noted.version == 2 and noted.status == OPEN
    assert (assigned.assigned_to, same, reassigned.assigned_to) == (TECH, assigned, "U0ANNA")
    assert (unassigned.assigned_to, unassigned.version) == (None, 5)
    _, events = await state(db, ticket.ticket_id)
    assert [(e.actor, e.action, e.changes, e.note) for e in events][1:] == [
        (OP, "note", {}, "Called the customer"),
        (OP, "assigned", {"assigned_to": [None, TECH]}, None),
        (TECH, "assigned", {"assigned_to": [TECH, "U0ANNA"]}, None),
        (OP, "assigned", {"assigned_to": ["U0ANNA", None]}, None),
    ]
    for text in ("", "   \n"):
        message = await assert_refused(
            db,
            ticket.ticket_id,
            lambda svc, x=text: svc.add_note(ticket.ticket_id, x, actor=OP, expected_version=5),
            InvalidTicket,
        )
        assert message == "A note needs some text."
