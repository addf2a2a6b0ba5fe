"""Every changing use case refuses a non-operator on its own, whichever surface calls it
(Slack, the dashboard, a future API): NotAllowed, which every surface shows as "not
allowed", and nothing changed anywhere in the database. The same call by an operator
changes what it should, so the refusal is the operator check's doing: remove the check
from any use case and its row fails. On SQLite and PostgreSQL."""

from __future__ import annotations

import inspect
import re
from types import ModuleType

import pytest

from bot.access.links import SignInLinks
from bot.intake import quick_tickets
from bot.tickets.domain import Source, Status, Ticket
from bot.tickets.permissions import NotAllowed
from bot.tickets.service import TicketService
from bot.tickets.usecases import Operations
from storage.db import Database
from tests.permissions.snapshot import changed_tables, snapshot
from tests.permissions.use_cases import (
    DRAFT,
    ELSEWHERE,
    NOT_OPERATORS,
    OPERATIONS,
    SECRET,
    USE_CASES,
    Env,
)
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, STRANGER
from tests.support.paths import REPO
from tests.support.signin import permissions_of

# How a ticket reaches each start state, through the ticket service.
ROUTE = {Status.OPEN: [], Status.ARCHIVED: [Status.RESOLVED, Status.ARCHIVED]}


def public_methods(cls: type) -> set[str]:
    return {name for name, value in vars(cls).items() if callable(value) and name[0] != "_"}


def public_functions(module: ModuleType) -> set[str]:
    """The module's own coroutine functions, as dotted paths."""
    return {
        f"{module.__name__}.{name}"
        for name, value in vars(module).items()
        if inspect.iscoroutinefunction(value) and value.__module__ == module.__name__
    }


async def ticket_in(database: Database, status: Status) -> Ticket:
    async with database.unit_of_work() as session:
        tickets = TicketService(session)
        ticket = await tickets.create(DRAFT, actor=OPERATOR, source=Source.MANUAL)
        for target in ROUTE[status]:
            ticket = await tickets.change_status(
                ticket.ticket_id,
                target,
                actor=OPERATOR,
                expected_version=ticket.version,
                resolution_notes="Fixed",
            )
    return ticket


async def env_for(database: Database, status: Status) -> Env:
    permissions = permissions_of(OPERATOR, OTHER_OPERATOR)
    operations = Operations(database, permissions.club, permissions)
    links = SignInLinks(database, SECRET, permissions)
    return Env(operations, await ticket_in(database, status), links)


def test_every_method_of_operations_has_a_row() -> None:
    """A method added to Operations without a row here (or a reason it is no operator's)
    fails: the new use case must show it refuses a non-operator."""
    assert public_methods(Operations) == OPERATIONS.keys() | NOT_OPERATORS.keys()


def test_every_use_case_outside_operations_has_a_row() -> None:
    found = public_functions(quick_tickets) | {
        f"bot.access.links.SignInLinks.{name}" for name in public_methods(SignInLinks)
    }
    assert found == set(ELSEWHERE)


def test_no_surface_calls_the_systems_own_use_case() -> None:
    """suggest_close has no actor to check: no Slack listener or web route may reach it."""
    callers = [
        path.relative_to(REPO)
        for folder in ("handlers", "web")
        for path in (REPO / folder).rglob("*.py")
        if re.search(r"\.suggest_close\(", path.read_text(encoding="utf-8"))
    ]
    assert callers == []


@pytest.mark.parametrize("name", sorted(USE_CASES))
async def test_a_non_operator_is_refused_and_nothing_changes(db: Database, name: str) -> None:
    case = USE_CASES[name]
    env = await env_for(db, case.start)
    before = await snapshot(db)

    with pytest.raises(NotAllowed):
        await case.call(env, STRANGER)
    assert await snapshot(db) == before

    await case.call(env, OPERATOR)
    changed = changed_tables(before, await snapshot(db))
    assert changed >= case.changes if case.changes else changed == set(), changed
