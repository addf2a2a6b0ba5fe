"""The `/ticket` commands as typed values: what the parser reads from the command's text
and the listener carries out."""

from __future__ import annotations

from dataclasses import dataclass

from bot.tickets.domain import Category, Priority, Status, TicketFilter

ACTIVE = (Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD)  # "open" in the wide sense

# --------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class ListTickets:
    """`list [filters]`: newest first. No status filter means the active tickets."""

    statuses: tuple[Status, ...] = ACTIVE
    locations: tuple[str, ...] = ()
    priorities: tuple[Priority, ...] = ()
    categories: tuple[Category, ...] = ()
    assignee: str | None = None  # `mine`: assigned to the caller
    unassigned: bool = False
    words: tuple[str, ...] = ()  # the filters as understood, for the answer's heading

    def ticket_filter(self, limit: int | None = None) -> TicketFilter:
        return TicketFilter(
            statuses=self.statuses,
            locations=self.locations,
            priorities=self.priorities,
            categories=self.categories,
            assigned=False if self.unassigned else None,
            assignee=self.assignee,
            limit=limit,
        )

    def describe(self) -> str:
        """The filters in words (plain text), e.g. "open · critical · Bedford"."""
        return " · ".join(self.words) if self.words else "open"


@dataclass(frozen=True)
class ShowTicket:
    ticket_id: str


@dataclass(frozen=True)
class CreateTicket:
    """`new [text]`: the create modal, the text as its title."""

    title: str = ""


@dataclass(frozen=True)
class AssignTicket:
    ticket_id: str
    assignee: str | None  # None: unassign


@dataclass(frozen=True)
class SetStatus:
    ticket_id: str
    status: Status
    text: str | None = None  # the hold reason (on_hold) or resolution notes (resolved)


@dataclass(frozen=True)
class AddNote:
    ticket_id: str
    text: str


@dataclass(frozen=True)
class ResolveTicket:
    ticket_id: str
    notes: str


@dataclass(frozen=True)
class DismissTicket:
    """`dismiss T-n <why>`: it should never have been a ticket."""

    ticket_id: str
    why: str


@dataclass(frozen=True)
class WebLogin:
    """`web`: a one-time sign-in link to the dashboard."""


@dataclass(frozen=True)
class Help:
    """`help`, or anything that could not be read; `problem` says what was wrong."""

    problem: str | None = None


# Everything but `web`, which the listener answers before reading or changing tickets.
ReadOrChange = (
    ListTickets
    | ShowTicket
    | CreateTicket
    | AssignTicket
    | SetStatus
    | AddNote
    | ResolveTicket
    | DismissTicket
    | Help
)
Command = ReadOrChange | WebLogin
