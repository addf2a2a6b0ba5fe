"""The App Home's Tickets tab as data: which open tickets a viewer sees (filters), in what
order (most urgent first, then oldest first), a page at a time, and the counts by status.
Pure rules plus reads through Operations; no Slack here."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, TypeVar

from bot.tickets.domain import Category, Priority, Status, Ticket, TicketFilter
from bot.tickets.usecases import Operations

PAGE_SIZE = 20
ANY = "*"  # the "no filter" choice of a filter
ACTIVE = (Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD)  # "open" in the wide sense
COUNTED = (*ACTIVE, Status.RESOLVED)

E = TypeVar("E", bound=StrEnum)


class Assigned(StrEnum):
    ALL = "all"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    MINE = "mine"


class FilterField(StrEnum):
    LOCATION = "location"
    PRIORITY = "priority"
    CATEGORY = "category"
    ASSIGNED = "assigned"


def _enum_or_none(kind: type[E], raw: object) -> E | None:
    try:
        return kind(str(raw)) if raw is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class HomeFilters:
    """One viewer's choices on the tab; None means "all"."""

    location: str | None = None
    priority: Priority | None = None
    category: Category | None = None
    assigned: Assigned = Assigned.ALL
    page: int = 0  # 0-based

    def to_metadata(self) -> str:
        """For the Home view's private_metadata (well under its 3000 characters)."""
        return json.dumps(
            {
                "location": self.location,
                "priority": self.priority.value if self.priority else None,
                "category": self.category.value if self.category else None,
                "assigned": self.assigned.value,
                "page": self.page,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_metadata(cls, raw: object) -> HomeFilters:
        """The filters a published Home view carried; anything unreadable counts as "all"."""
        try:
            data: Any = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        location = data.get("location")
        page = data.get("page")
        return cls(
            location=location if isinstance(location, str) and location else None,
            priority=_enum_or_none(Priority, data.get("priority")),
            category=_enum_or_none(Category, data.get("category")),
            assigned=_enum_or_none(Assigned, data.get("assigned")) or Assigned.ALL,
            page=page if type(page) is int and page >= 0 else 0,
        )

    def choose(self, field: FilterField, value: str | None) -> HomeFilters:
        """These filters with one changed (ANY/None/unknown: "all"), back on page one."""
        chosen = None if value in (None, "", ANY) else value
        if field == FilterField.LOCATION:
            return replace(self, location=chosen, page=0)
        if field == FilterField.PRIORITY:
            return replace(self, priority=_enum_or_none(Priority, chosen), page=0)
        if field == FilterField.CATEGORY:
            return replace(self, category=_enum_or_none(Category, chosen), page=0)
        return replace(self, assigned=_enum_or_none(Assigned, chosen) or Assigned.ALL, page=0)

    def on_page(self, page: int) -> HomeFilters:
        return replace(self, page=max(0, page))

    def ticket_filter(self, viewer: str) -> TicketFilter:
        """The active tickets these filters show to `viewer`, most urgent then oldest first,
        this page's only."""
        assigned = {Assigned.ASSIGNED: True, Assigned.UNASSIGNED: False}.get(self.assigned)
        return TicketFilter(
            statuses=ACTIVE,
            locations=[self.location] if self.location is not None else [],
            priorities=[self.priority] if self.priority is not None else [],
            categories=[self.category] if self.category is not None else [],
            assigned=assigned,
            assignee=viewer if self.assigned == Assigned.MINE else None,
            urgent_first=True,
        )


@dataclass(frozen=True)
class HomePage:
    viewer: str
    filters: HomeFilters  # with the page clamped to the pages there are
    counts: Mapping[Status, int]  # every counted status, zero included
    tickets: Sequence[Ticket]  # this page's, most urgent then oldest first
    matching: int  # open tickets matching the filters, on all pages
    page_size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return page_count(self.matching, self.page_size)

    @property
    def first(self) -> int:
        """1-based position of this page's first ticket among the matching ones."""
        return self.filters.page * self.page_size + 1

    @property
    def last(self) -> int:
        return self.filters.page * self.page_size + len(self.tickets)

    @property
    def has_previous(self) -> bool:
        return self.filters.page > 0

    @property
    def has_next(self) -> bool:
        return self.filters.page + 1 < self.pages


def page_count(matching: int, page_size: int = PAGE_SIZE) -> int:
    return max(1, math.ceil(matching / page_size))


async def load_home_page(
    operations: Operations, viewer: str, filters: HomeFilters, page_size: int = PAGE_SIZE
) -> HomePage:
    """Anyone may look: no permission check (the tab changes nothing). Counted and paged in
    SQL: a club's active tickets run to thousands, its resolved ones pile up for ever."""
    by_status = await operations.count_by_status(TicketFilter(statuses=COUNTED))
    shown = filters.ticket_filter(viewer)
    matching = await operations.count(shown)
    clamped = filters.on_page(min(filters.page, page_count(matching, page_size) - 1))
    page = replace(shown, offset=clamped.page * page_size, limit=page_size)
    return HomePage(
        viewer=viewer,
        filters=clamped,
        counts={status: by_status.get(status, 0) for status in COUNTED},
        tickets=await operations.list(page),
        matching=matching,
        page_size=page_size,
    )
