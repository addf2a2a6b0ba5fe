"""How a person acts on each surface, as `who`: signed Slack requests built the way Slack
builds them from what the app posted, and HTTP to the dashboard and the API. Each act
answers the HTTP answer's text (a modal's errors, a page); what Slack showed the person
is read from the stub by the matrix."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from bot.tickets.domain import Status
from slackui.ids import Action, ModalInput, ViewId
from standin import slack_requests as rq
from tests.handlers.helpers.cards import Card, click
from tests.handlers.helpers.command import run
from tests.handlers.helpers.home import open_home, publish_after
from tests.handlers.helpers.surfaces import relayed
from tests.permissions.stage import SYSTEM_EVENTS_TOKEN, Stage, browser, carry_session, visitor
from tests.support.app_harness import OPERATOR, RELAY
from tests.support.signin import link_issued_while_operator

Act = Callable[[Stage, str], Awaitable[str]]
REACTED_TS = "1732550000.000900"  # a message in Bedford's relay channel


def on_card(action: Action, status: Status | None = None, *, suggestion: bool = False) -> Act:
    async def act(stage: Stage, who: str) -> str:
        card: Card = stage.suggestion() if suggestion else stage.card()
        value = status.value if status else None
        user = who if action == Action.ASSIGN else None
        answer = await stage.h.post(
            rq.block_actions(
                who,
                [click(card, action.value, user=user, status=value)],
                channel=card.channel,
                message=card.message,
                response_url=stage.h.stub.response_url(),
            )
        )
        return answer.text

    return act


def on_home(action: Action, value: str) -> Act:
    """A click on the App Home `who` was shown (a button, or a filter's option)."""

    async def act(stage: Stage, who: str) -> str:
        view = await open_home(stage.h, who)
        if action == Action.HOME_NEW_TICKET:
            answer = await stage.h.post(
                rq.block_actions(who, [rq.button_action(action.value, value, "home")], view=view)
            )
            return answer.text
        clicked = rq.button_action(action.value, value, "home")
        if action != Action.HOME_PAGE:
            clicked = {**clicked, "type": "static_select", "selected_option": {"value": value}}
        await publish_after(stage.h, who, rq.block_actions(who, [clicked], view=view))
        return ""

    return act


async def home_opened(stage: Stage, who: str) -> str:
    await open_home(stage.h, who)
    return ""


def card_modal(view_id: ViewId, field: ModalInput) -> Act:
    """A submission of the modal the card opens, for the version the card showed."""

    async def act(stage: Stage, who: str) -> str:
        ticket = await stage.current()
        meta = json.dumps({"ticket_id": ticket.ticket_id, "version": ticket.version})
        values = {field.value: {field.value: rq.plain_text("Lamp replaced")}}
        answer = await stage.h.post(
            rq.view_submission(who, view_id.value, values, private_metadata=meta)
        )
        return answer.text

    return act


async def create_modal(stage: Stage, who: str) -> str:
    values = {
        "title": {"title": rq.plain_text("Bay 3 screen torn")},
        "category": {"category": rq.static_select("facilities")},
        "priority": {"priority": rq.static_select("medium")},
        "location": {"location": rq.static_select("Bedford")},
        "bay": {"bay": {"type": "number_input", "value": "3"}},
    }
    answer = await stage.h.post(rq.view_submission(who, ViewId.TICKET_CREATE.value, values))
    return answer.text


async def message_shortcut(stage: Stage, who: str) -> str:
    message = relayed("no balls in box 2", ts=REACTED_TS)
    url = stage.h.stub.response_url()
    answer = await stage.h.post(
        rq.message_shortcut("create_ticket", who, RELAY, message, response_url=url)
    )
    return answer.text


async def global_shortcut(stage: Stage, who: str) -> str:
    return (await stage.h.post(rq.global_shortcut("new_ticket", who))).text


async def reaction(stage: Stage, who: str) -> str:
    stage.h.stub.set_history(RELAY, [relayed("toilet is overflowing", ts=REACTED_TS)])
    return (await stage.h.post(rq.reaction_added(who, "ticket", RELAY, REACTED_TS))).text


def command(text: str) -> Act:
    """`/ticket <text>`, `{id}` standing for the ticket's id."""

    async def act(stage: Stage, who: str) -> str:
        answer = await run(stage.h, text.format(id=stage.ticket.ticket_id), who)
        return json.dumps(answer or {})

    return act


def dashboard(change: str, **form: str) -> Act:
    """A form of the ticket page posted, with the page's version and CSRF token."""

    async def act(stage: Stage, who: str) -> str:
        ticket = await stage.current()
        async with visitor(stage, who) as person:
            fields = {**form, "version": str(ticket.version), "csrf": person.csrf}
            path = f"/tickets/{ticket.ticket_id}/{change}"
            answer = await person.http.post(path, data=fields)
        return f"{answer.status_code} {answer.text}"

    return act


async def sign_in(stage: Stage, who: str) -> str:
    """The sign-in button of a link: the app's own for an operator; for anyone else, one
    they got while an operator."""
    runtime = stage.h.runtime
    secret = runtime.settings.dashboard_signing_key()
    assert runtime.sign_in is not None and secret is not None
    if who == OPERATOR:
        token = await runtime.sign_in.issue(who)
    else:
        token = await link_issued_while_operator(runtime.database, secret, who)
    async with browser(stage) as http:
        answer = await http.post(f"/login/{token}")
    return f"{answer.status_code} {answer.text}"


async def system_event(stage: Stage, who: str) -> str:
    """Monitoring's endpoint takes its bearer token, nothing else: `who` holds it when it
    is the operator (as the monitoring system); anyone else brings a dashboard session."""
    body = {"id": f"evt-{who}", "location": "Bedford", "event": "leak_detected", "bay": None}
    async with browser(stage) as http:
        if who == OPERATOR:
            headers = {"Authorization": f"Bearer {SYSTEM_EVENTS_TOKEN}"}
        else:
            carry_session(stage, http, OPERATOR)
            headers = {"Authorization": "Bearer guessed"}
        answer = await http.post("/api/system-events", json=body, headers=headers)
    return f"{answer.status_code} {answer.text}"
