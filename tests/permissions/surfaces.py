"""The permission matrix's table: every surface that can change something, how a person
acts on it, and what an operator's act does (so a non-operator's refusal is seen to be
the check's doing). Keyed by the ids Slack and HTTP see; the matrix's completeness tests
hold the table to slackui/ids.py, the `/ticket` commands and the app's routes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.tickets.domain import Status
from slackui.ids import Action, Event, ModalInput, Shortcut, ViewId
from tests.permissions import acts
from tests.permissions.use_cases import TICKET_CHANGE

NOT_ALLOWED = r"not allowed|only operators"


class Kind(StrEnum):
    ACTION = "card or Home action"
    VIEW = "modal submission"
    SHORTCUT = "shortcut"
    EVENT = "event"
    COMMAND = "/ticket"
    DASHBOARD = "dashboard"
    API = "API"


class Effect(StrEnum):
    """What the same act does for an operator."""

    CHANGE = "changes the database"
    FORM = "opens the form that asks for the change"
    LINK = "answers a sign-in link"
    READ = "reads: open to anyone, changes nothing"


@dataclass(frozen=True)
class Row:
    kind: Kind
    name: str  # the Slack id, `/ticket` command (its parsed type) or route
    act: acts.Act
    effect: Effect = Effect.CHANGE
    tables: frozenset[str] = TICKET_CHANGE  # what an operator's act changes, at least
    variant: str = ""
    refusal: str = NOT_ALLOWED  # what a refused person is shown (a regex)

    @property
    def id(self) -> str:
        return " ".join(part for part in (self.kind.value, self.name, self.variant) if part)


A, FORM, READ = Kind.ACTION, Effect.FORM, Effect.READ
QUICK_TICKET = TICKET_CHANGE | {"inbox_events"}

ROWS = [
    Row(A, Action.ASSIGN, acts.on_card(Action.ASSIGN)),
    Row(A, Action.STATUS, acts.on_card(Action.STATUS, Status.IN_PROGRESS), variant="in_progress"),
    Row(A, Action.STATUS, acts.on_card(Action.STATUS, Status.ON_HOLD), FORM, variant="on_hold"),
    Row(A, Action.STATUS, acts.on_card(Action.STATUS, Status.RESOLVED), FORM, variant="resolved"),
    Row(A, Action.NOTE, acts.on_card(Action.NOTE), FORM),
    Row(A, Action.RESOLVE, acts.on_card(Action.RESOLVE), FORM),
    Row(A, Action.ACCEPT_CLOSE, acts.on_card(Action.ACCEPT_CLOSE, suggestion=True)),
    Row(A, Action.DISMISS_CLOSE, acts.on_card(Action.DISMISS_CLOSE, suggestion=True)),
    Row(A, Action.HOME_NEW_TICKET, acts.on_home(Action.HOME_NEW_TICKET, "new"), FORM),
    Row(A, Action.HOME_FILTER_LOCATION, acts.on_home(Action.HOME_FILTER_LOCATION, "Bedford"), READ),
    Row(A, Action.HOME_FILTER_PRIORITY, acts.on_home(Action.HOME_FILTER_PRIORITY, "high"), READ),
    Row(A, Action.HOME_FILTER_CATEGORY, acts.on_home(Action.HOME_FILTER_CATEGORY, "tech"), READ),
    Row(A, Action.HOME_FILTER_ASSIGNED, acts.on_home(Action.HOME_FILTER_ASSIGNED, "mine"), READ),
    Row(A, Action.HOME_PAGE, acts.on_home(Action.HOME_PAGE, "1"), READ),
    Row(Kind.VIEW, ViewId.TICKET_CREATE, acts.create_modal),
    Row(Kind.VIEW, ViewId.TICKET_NOTE, acts.card_modal(ViewId.TICKET_NOTE, ModalInput.NOTE)),
    Row(
        Kind.VIEW,
        ViewId.TICKET_RESOLVE,
        acts.card_modal(ViewId.TICKET_RESOLVE, ModalInput.RESOLUTION_NOTES),
    ),
    Row(Kind.VIEW, ViewId.TICKET_HOLD, acts.card_modal(ViewId.TICKET_HOLD, ModalInput.HOLD_REASON)),
    Row(Kind.SHORTCUT, Shortcut.CREATE_TICKET, acts.message_shortcut, FORM),
    Row(Kind.SHORTCUT, Shortcut.NEW_TICKET, acts.global_shortcut, FORM),
    Row(Kind.EVENT, Event.REACTION_ADDED, acts.reaction, tables=QUICK_TICKET, variant=":ticket:"),
    Row(Kind.EVENT, Event.APP_HOME_OPENED, acts.home_opened, READ),
    Row(Kind.COMMAND, "CreateTicket", acts.command("new Bay 3 screen torn"), FORM),
    Row(Kind.COMMAND, "WebLogin", acts.command("web"), Effect.LINK),
    Row(Kind.COMMAND, "AssignTicket", acts.command("assign {id} me")),
    Row(Kind.COMMAND, "SetStatus", acts.command("status {id} in_progress")),
    Row(Kind.COMMAND, "AddNote", acts.command("note {id} called the vendor")),
    Row(Kind.COMMAND, "ResolveTicket", acts.command("resolve {id} lamp replaced")),
    Row(Kind.COMMAND, "DismissTicket", acts.command("dismiss {id} a prank")),
    Row(Kind.COMMAND, "ListTickets", acts.command("list"), READ),
    Row(Kind.COMMAND, "ShowTicket", acts.command("show {id}"), READ),
    Row(Kind.COMMAND, "Help", acts.command("help"), READ),
    Row(Kind.DASHBOARD, "status", acts.dashboard("status", status="in_progress")),
    Row(Kind.DASHBOARD, "assign", acts.dashboard("assign", assignee="U0OP2")),
    Row(Kind.DASHBOARD, "note", acts.dashboard("note", text="called the vendor")),
    Row(Kind.DASHBOARD, "learnable", acts.dashboard("learnable", learnable="yes")),
    Row(Kind.DASHBOARD, "/login/{token}", acts.sign_in, tables=frozenset({"signin_links"})),
    Row(
        Kind.API,
        "/api/system-events",
        acts.system_event,
        tables=frozenset({"tickets", "inbox_events"}),
        refusal="bearer token",
    ),
]

# Ids with no row, and why.
NO_ROW: dict[str, str] = {
    Action.LEARNABLE.value: "no listener is registered and no view shows it: Bolt answers 404",
    Event.MESSAGE.value: "customers' relayed messages: triage decides, no operator right",
}

# Every route that is not a GET, and what covers it.
ROUTES: dict[tuple[str, str], str] = {
    ("POST", "/slack/events"): "every Slack row above (signed requests)",
    ("POST", "/tickets/{ticket_id}/{change}"): "the dashboard rows, one per change",
    ("POST", "/login/{token}"): "its dashboard row",
    ("POST", "/api/system-events"): "its API row (the monitoring system's bearer token)",
    ("POST", "/logout"): "ends the caller's own session (CSRF-checked); no data changes",
}
