"""Read use cases, one unit of work each; anyone may look. The read API and the outbox
sender read tickets through here, and operators through Operations, which extends it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.tickets.domain import AuditEvent, Status, ThreadRef, Ticket, TicketFilter
from bot.tickets.query import PageRequest
from bot.tickets.rows import TicketList
from bot.tickets.service import TicketService
from storage.db import Database


@dataclass(frozen=True)
class TicketHistory:
    """A ticket with its audit timeline (oldest event first), read in one unit of work."""

    ticket: Ticket
    events: tuple[AuditEvent, ...]


@dataclass(frozen=True)
class TicketPage:
    """One page of a ticket listing, newest first; `next_cursor` (a ticket id) asks for
    the next page, None on the last one."""

    tickets: tuple[Ticket, ...]
    next_cursor: str | None


class ReadOperations:
    def __init__(self, database: Database) -> None:
        self.database = database

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[TicketService]:
        async with self.database.reading() as session:
            yield TicketService(session)

    async def get(self, ticket_id: str, *, threads: bool = True) -> Ticket:
        async with self._reading() as tickets:
            return await tickets.get(ticket_id, threads=threads)

    async def where_it_began(self, ticket_id: str) -> Ticket:
        async with self._reading() as tickets:
            return await tickets.where_it_began(ticket_id)

    async def history(self, ticket_id: str) -> TicketHistory:
        async with self._reading() as tickets:
            ticket = await tickets.get(ticket_id)
            return TicketHistory(ticket, tuple(await tickets.events(ticket_id)))

    async def list(self, flt: TicketFilter) -> TicketList:
        async with self._reading() as tickets:
            return await tickets.list(flt)

    async def count(self, flt: TicketFilter, at_most: int | None = None) -> int:
        async with self._reading() as tickets:
            return await tickets.count(flt, at_most)

    async def count_by_status(self, flt: TicketFilter) -> dict[Status, int]:
        async with self._reading() as tickets:
            return await tickets.count_by_status(flt)

    async def page(self, request: PageRequest) -> TicketPage:
        # The filter asks for one ticket more than the page shows: whether it comes back
        # tells whether there is a next page.
        found = await self.list(request.filter)
        shown = tuple(found[: request.limit])
        next_cursor = shown[-1].ticket_id if len(found) > request.limit else None
        return TicketPage(shown, next_cursor)

    async def for_thread(self, thread: ThreadRef, *, threads: bool = True) -> TicketList:
        async with self._reading() as tickets:
            return await tickets.for_thread(thread, threads=threads)
