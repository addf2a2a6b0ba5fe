"""The permission matrix over every surface that can change something: a non-operator's
act is refused (shown "not allowed"; the API: its bearer token), nothing changed in the
database and nothing sent to Slack beyond the refusal; the same act by an operator
changes the ticket, or opens the form that asks for the change, or answers the link. Real
signed Slack requests and real HTTP through the app `serve` builds, on SQLite and
PostgreSQL. The table (surfaces.py) is held to the ids Slack sees, the `/ticket`
commands and the app's routes: a new one without a row fails here."""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import AsyncIterator, Iterator, Sequence

import httpx
import pytest
from pydantic import SecretStr

from handlers.commands import parsed
from slackui.ids import Action, Event, Shortcut, ViewId
from standin import slack_requests as rq
from standin.slack_api import SlackStub
from tests.handlers.helpers.cards import click
from tests.permissions.snapshot import changed_tables, snapshot
from tests.permissions.stage import SYSTEM_EVENTS_TOKEN, Stage, forms_opened, set_stage, shown
from tests.permissions.surfaces import NO_ROW, ROUTES, ROWS, Effect, Kind, Row
from tests.support.app_harness import OPERATOR, STRANGER, harness_settings, open_harness
from tests.support.paths import REPO
from web.dashboard.ticket_changes import CHANGES

# What Slack may be asked while refusing: the answer itself, who is in the operators'
# group, and who the app is (Bolt asks once, on its first request).
REFUSING = {
    "response_url",
    "chat.postEphemeral",
    "views.open",
    "usergroups.users.list",
    "auth.test",
    "views.publish to their own Home",  # a Home row shows the Home first
}


@pytest.fixture
async def stage(slack_stub: SlackStub, db_url: str) -> AsyncIterator[Stage]:
    token = SecretStr(SYSTEM_EVENTS_TOKEN)
    settings = harness_settings(slack_stub, db_url, system_events_token=token)
    async with open_harness(slack_stub, settings) as harness:
        yield await set_stage(harness)


def names(kind: Kind) -> set[str]:
    return {row.name for row in ROWS if row.kind == kind}


def test_every_slack_id_has_a_row() -> None:
    assert names(Kind.ACTION) | NO_ROW.keys() >= {a.value for a in Action}
    assert names(Kind.VIEW) == {v.value for v in ViewId}
    assert names(Kind.SHORTCUT) == {s.value for s in Shortcut}
    assert names(Kind.EVENT) | NO_ROW.keys() >= {e.value for e in Event}
    commands = {
        name
        for name, value in vars(parsed).items()
        if inspect.isclass(value)
        and dataclasses.is_dataclass(value)
        and value.__module__ == parsed.__name__
    }
    assert names(Kind.COMMAND) == commands


def routes(app_routes: Sequence[object], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, into included routers."""
    for route in app_routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from routes(included.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
        for method in getattr(route, "methods", None) or ():
            yield method, prefix + str(getattr(route, "path", ""))


async def test_every_route_that_is_not_a_get_is_covered(stage: Stage) -> None:
    found = {r for r in routes(stage.h.runtime.asgi.routes) if r[0] not in {"GET", "HEAD"}}
    assert found == ROUTES.keys()
    assert names(Kind.DASHBOARD) - {"/login/{token}"} == CHANGES.keys()


def test_the_id_without_a_listener_has_none() -> None:
    registration = (REPO / "handlers" / "__init__.py").read_text(encoding="utf-8")
    assert "Action.LEARNABLE" not in registration
    builders = "".join(p.read_text(encoding="utf-8") for p in (REPO / "slackui").rglob("*.py"))
    assert builders.count("Action.LEARNABLE") == 0


async def attempt(stage: Stage, row: Row, who: str) -> tuple[str, list[str], set[str], set[str]]:
    """`who` acts; what they were shown, the forms opened, the Slack methods called and
    the tables changed."""
    h = stage.h
    before, calls = await snapshot(h.runtime.database), len(h.stub.calls())
    answer = await row.act(stage, who)
    await h.settle()
    new = h.stub.calls()[calls:]
    changed = changed_tables(before, await snapshot(h.runtime.database))
    methods = {
        "views.publish to their own Home"
        if c.method == "views.publish" and c["user_id"] == who
        else c.method
        for c in new
    }
    return shown(new, answer), forms_opened(new), methods, changed


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
async def test_a_non_operator_is_refused_and_an_operator_is_not(stage: Stage, row: Row) -> None:
    said, forms, methods, changed = await attempt(stage, row, STRANGER)
    assert changed == set(), changed
    assert forms == []
    if row.effect == Effect.READ:
        assert not re.search(row.refusal, said, re.I) and methods, (said, methods)
        assert methods <= REFUSING, methods
        return
    assert re.search(row.refusal, said, re.I), said
    assert methods <= REFUSING, methods

    said, forms, methods, changed = await attempt(stage, row, OPERATOR)
    assert not re.search(row.refusal, said, re.I), said
    if row.effect == Effect.CHANGE:
        assert changed >= row.tables, changed
    elif row.effect == Effect.FORM:
        assert forms and changed == set(), (forms, changed)
    else:
        assert "/login/" in said and changed == set(), said


async def test_an_action_without_a_listener_changes_nothing(stage: Stage) -> None:
    before = await snapshot(stage.h.runtime.database)
    card = stage.card()
    element = click(card, Action.ASSIGN.value, user=STRANGER)
    payload = [{**element, "action_id": Action.LEARNABLE.value}]
    answer: httpx.Response = await stage.h.post(
        rq.block_actions(STRANGER, payload, channel=card.channel, message=card.message)
    )
    await stage.h.settle()
    assert answer.status_code == 404
    assert await snapshot(stage.h.runtime.database) == before
