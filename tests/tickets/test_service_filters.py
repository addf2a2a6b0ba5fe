"""Ticket listings on both databases (the `db` fixture): every filter, alone and combined,
returns exactly the right tickets, newest first, and pages with `before` and `limit`."""

from __future__ import annotations

from dataclasses import replace

from bot.tickets.domain import Category, Priority, Status, Ticket, TicketEdit, TicketFilter
from bot.tickets.service import TicketService
from storage.db import Database
from tests.tickets.helpers import (
    AI_OPENS,
    ARCHIVED,
    IN_PROGRESS,
    ON_HOLD,
    OP,
    OPEN,
    PATH,
    RESOLVED,
    TECH,
    create,
    inputs_for,
    new_ticket,
)

# n: (status, location, priority, category, assignee) — written out, not generated.
FLEET: dict[int, tuple[Status, str, Priority, Category, str | None]] = {
    1: (OPEN, "Bedford", Priority.LOW, Category.FACILITIES, None),
    2: (OPEN, "Dartmouth", Priority.MEDIUM, Category.TECH, "U0ANNA"),
    3: (IN_PROGRESS, "Bedford", Priority.HIGH, Category.TECH, "U0ANNA"),
    4: (IN_PROGRESS, "Halifax", Priority.CRITICAL, Category.TECH, "U0BEN"),
    5: (ON_HOLD, "Dartmouth", Priority.MEDIUM, Category.FACILITIES, None),
    6: (ON_HOLD, "Bedford", Priority.CRITICAL, Category.FACILITIES, "U0BEN"),
    7: (RESOLVED, "Halifax", Priority.LOW, Category.TECH, None),
    8: (RESOLVED, "Bedford", Priority.HIGH, Category.FACILITIES, "U0ANNA"),
    9: (ARCHIVED, "Dartmouth", Priority.CRITICAL, Category.TECH, None),
    10: (OPEN, "Halifax", Priority.HIGH, Category.TECH, None),
    11: (ARCHIVED, "Bedford", Priority.MEDIUM, Category.FACILITIES, "U0CARA"),
    12: (OPEN, "Bedford", Priority.MEDIUM, Category.FACILITIES, "U0CARA"),
}

# Filter -> the fleet numbers it must return, newest first.
FILTER_CASES: dict[str, tuple[TicketFilter, list[int]]] = {
    "all": (TicketFilter(), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]),
    "open": (TicketFilter(statuses=[OPEN]), [12, 10, 2, 1]),
    "in_progress": (TicketFilter(statuses=[IN_PROGRESS]), [4, 3]),
    "on_hold": (TicketFilter(statuses=[ON_HOLD]), [6, 5]),
    "resolved": (TicketFilter(statuses=[RESOLVED]), [8, 7]),
    "archived": (TicketFilter(statuses=[ARCHIVED]), [11, 9]),
    "open_or_on_hold": (TicketFilter(statuses=[OPEN, ON_HOLD]), [12, 10, 6, 5, 2, 1]),
    "bedford": (TicketFilter(locations=["Bedford"]), [12, 11, 8, 6, 3, 1]),
    "bedford_any_case": (TicketFilter(locations=["bedford"]), [12, 11, 8, 6, 3, 1]),
    "dartmouth": (TicketFilter(locations=["Dartmouth"]), [9, 5, 2]),
    "halifax": (TicketFilter(locations=["Halifax"]), [10, 7, 4]),
    "dartmouth_or_halifax": (TicketFilter(locations=["Dartmouth", "Halifax"]), [10, 9, 7, 5, 4, 2]),
    "unknown_location": (TicketFilter(locations=["Truro"]), []),
    "low": (TicketFilter(priorities=[Priority.LOW]), [7, 1]),
    "medium": (TicketFilter(priorities=[Priority.MEDIUM]), [12, 11, 5, 2]),
    "high": (TicketFilter(priorities=[Priority.HIGH]), [10, 8, 3]),
    "critical": (TicketFilter(priorities=[Priority.CRITICAL]), [9, 6, 4]),
    "high_or_critical": (
        TicketFilter(priorities=[Priority.HIGH, Priority.CRITICAL]),
        [10, 9, 8, 6, 4, 3],
    ),
    "facilities": (TicketFilter(categories=[Category.FACILITIES]), [12, 11, 8, 6, 5, 1]),
    "tech": (TicketFilter(categories=[Category.TECH]), [10, 9, 7, 4, 3, 2]),
    "assigned": (TicketFilter(assigned=True), [12, 11, 8, 6, 4, 3, 2]),
    "unassigned": (TicketFilter(assigned=False), [10, 9, 7, 5, 1]),
    "assignee_anna": (TicketFilter(assignee="U0ANNA"), [8, 3, 2]),
    "assignee_ben": (TicketFilter(assignee="U0BEN"), [6, 4]),
    "assignee_cara": (TicketFilter(assignee="U0CARA"), [12, 11]),
    "assignee_nobody": (TicketFilter(assignee="U0NOBODY"), []),
    "open_in_bedford": (TicketFilter(statuses=[OPEN], locations=["Bedford"]), [12, 1]),
    "active_in_bedford": (
        TicketFilter(statuses=[OPEN, IN_PROGRESS, ON_HOLD], locations=["Bedford"]),
        [12, 6, 3, 1],
    ),
    "unassigned_tech": (TicketFilter(categories=[Category.TECH], assigned=False), [10, 9, 7]),
    "urgent_in_halifax": (
        TicketFilter(locations=["Halifax"], priorities=[Priority.HIGH, Priority.CRITICAL]),
        [10, 4],
    ),
    "anna_in_progress": (TicketFilter(statuses=[IN_PROGRESS], assignee="U0ANNA"), [3]),
    "assigned_bedford_facilities_medium_or_critical": (
        TicketFilter(
            locations=["Bedford"],
            categories=[Category.FACILITIES],
            assigned=True,
            priorities=[Priority.MEDIUM, Priority.CRITICAL],
        ),
        [12, 11, 6],
    ),
    "unassigned_and_anna": (TicketFilter(assigned=False, assignee="U0ANNA"), []),
    "limit": (TicketFilter(limit=5), [12, 11, 10, 9, 8]),
    "before": (TicketFilter(before="T-8"), [7, 6, 5, 4, 3, 2, 1]),
    "before_limit": (TicketFilter(before="T-8", limit=3), [7, 6, 5]),
    "before_first": (TicketFilter(before="T-1"), []),
    "before_beyond_newest": (TicketFilter(before="T-500", limit=2), [12, 11]),
    "before_beyond_int32": (TicketFilter(before="T-999999999999", limit=2), [12, 11]),
    "bedford_before_limit": (TicketFilter(locations=["Bedford"], before="T-8", limit=2), [6, 3]),
    "open_limit": (TicketFilter(statuses=[OPEN], limit=3), [12, 10, 2]),
}


async def build_fleet(db: Database) -> dict[int, Ticket]:
    fleet: dict[int, Ticket] = {}
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        for n, (status, location, priority, category, assignee) in FLEET.items():
            # Half the assignees come at creation, the rest through assign/change_status.
            at_creation = assignee if n % 2 == 0 else None
            t = await svc.create(
                new_ticket(
                    title=f"Fleet ticket {n}",
                    location=location,
                    priority=priority,
                    category=category,
                    assignee=at_creation,
                    bay=None,
                ),
                **AI_OPENS,
            )
            assert t.ticket_id == f"T-{n}"
            if assignee and not at_creation and status != IN_PROGRESS:
                t = await svc.assign(t.ticket_id, assignee, actor=OP, expected_version=t.version)
            for target in PATH[status]:
                extra = inputs_for(target)
                if target == IN_PROGRESS:
                    extra = {} if at_creation else {"assignee": assignee or TECH}
                t = await svc.change_status(
                    t.ticket_id, target, actor=OP, expected_version=t.version, **extra
                )
            fleet[n] = t
    for n, (status, location, priority, category, assignee) in FLEET.items():
        t = fleet[n]
        assert (t.status, t.location, t.priority, t.category, t.assigned_to) == (
            status,
            location,
            priority,
            category,
            assignee,
        ), n
    return fleet


async def test_filters_return_exactly_the_right_tickets(db: Database) -> None:
    fleet = await build_fleet(db)
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        for name, (flt, expected) in FILTER_CASES.items():
            found = await svc.list(flt)
            assert [t.ticket_id for t in found] == [f"T-{n}" for n in expected], name
            for t in found:
                assert t == fleet[t.number], name


async def test_paging_with_before_walks_every_ticket_once(db: Database) -> None:
    await build_fleet(db)
    pages: list[list[str]] = []
    before: str | None = None
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        while True:
            page = await svc.list(TicketFilter(limit=5, before=before))
            if not page:
                break
            pages.append([t.ticket_id for t in page])
            before = page[-1].ticket_id
        unassigned = await svc.list(TicketFilter(assigned=False, limit=2))
        rest = await svc.list(
            TicketFilter(assigned=False, limit=2, before=unassigned[-1].ticket_id)
        )
    assert pages == [
        ["T-12", "T-11", "T-10", "T-9", "T-8"],
        ["T-7", "T-6", "T-5", "T-4", "T-3"],
        ["T-2", "T-1"],
    ]
    assert [t.ticket_id for t in unassigned + rest] == ["T-10", "T-9", "T-7", "T-5"]


async def test_filters_follow_changes(db: Database) -> None:
    fleet = await build_fleet(db)
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        await svc.assign("T-1", "U0ANNA", actor=OP, expected_version=fleet[1].version)
        await svc.edit(
            "T-10", TicketEdit(location="Bedford"), actor=OP, expected_version=fleet[10].version
        )
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        anna = await svc.list(TicketFilter(assignee="U0ANNA"))
        bedford_open = await svc.list(TicketFilter(statuses=[OPEN], locations=["Bedford"]))
    assert [t.ticket_id for t in anna] == ["T-8", "T-3", "T-2", "T-1"]
    assert [t.ticket_id for t in bedford_open] == ["T-12", "T-10", "T-1"]


async def test_text_is_found_in_title_or_description_in_any_case(db: Database) -> None:
    await create(db, title="Projector flickers", description="Bay 2, since Monday")
    await create(db, title="Net torn", description="The PROJECTOR screen behind it too")
    await create(db, title="100% of balls gone", description="dispenser_2 empty")
    await create(db, title="Door stuck", description="front door")

    async def found(text: str) -> list[str]:
        async with db.unit_of_work() as session:
            listed = await TicketService(session).list(TicketFilter(text=text))
        return [t.ticket_id for t in listed]

    assert await found("projector") == ["T-2", "T-1"]
    assert await found("DOOR") == ["T-4"]
    assert await found("100%") == ["T-3"]  # `%` and `_` are themselves, not wildcards
    assert await found("r_2") == ["T-3"]
    assert await found("0% of") == ["T-3"]
    assert await found("%") == ["T-3"]
    assert await found("nowhere") == []


async def test_open_of_kind_is_the_open_tickets_of_a_category_at_a_place(db: Database) -> None:
    """What triage compares a new report with: open, in_progress and on_hold tickets of one
    category at one location (any case), newest first, their threads unread."""
    fleet = await build_fleet(db)
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        bedford_facilities = await svc.open_of_kind("bedford", Category.FACILITIES)
        halifax_tech = await svc.open_of_kind("Halifax", Category.TECH)
        truro = await svc.open_of_kind("Truro", Category.TECH)
    assert [t.number for t in bedford_facilities] == [12, 6, 1]
    assert [t.number for t in halifax_tech] == [10, 4]
    assert truro == []
    assert bedford_facilities[0] == replace(fleet[12], linked_threads=())
