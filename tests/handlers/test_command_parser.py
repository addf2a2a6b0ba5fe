"""The `/ticket` text parser (handlers.commands.parser): every subcommand, Slack's escaped text, and
every bad input turning into help that says what was wrong."""

from __future__ import annotations

import pytest

from bot.tickets.domain import Category, Priority, Status
from handlers.commands.parsed import (
    ACTIVE,
    AddNote,
    AssignTicket,
    Command,
    CreateTicket,
    DismissTicket,
    Help,
    ListTickets,
    ResolveTicket,
    SetStatus,
    ShowTicket,
    WebLogin,
)
from handlers.commands.parser import parse_command
from handlers.commands.words import plain_text

CALLER = "U0OP1"
LOCATIONS = ("Bedford", "Dartmouth", "Bayers Lake")


def parse(text: str) -> Command:
    return parse_command(text, caller=CALLER, locations=LOCATIONS)


def problem(text: str) -> str:
    command = parse(text)
    assert isinstance(command, Help), command
    assert command.problem, command
    return command.problem


# --------------------------------------------------------------------------- list


def test_plain_list_is_the_active_tickets() -> None:
    command = parse("list")
    assert command == ListTickets()
    assert command.statuses == ACTIVE
    assert command.describe() == "open"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list open", ListTickets(words=("open",))),
        ("list mine", ListTickets(assignee=CALLER, words=("mine",))),
        ("list unassigned", ListTickets(unassigned=True, words=("unassigned",))),
        ("list critical", ListTickets(priorities=(Priority.CRITICAL,), words=("critical",))),
        ("list tech", ListTickets(categories=(Category.TECH,), words=("tech",))),
        ("list Facilities", ListTickets(categories=(Category.FACILITIES,), words=("facilities",))),
        ("list bedford", ListTickets(locations=("Bedford",), words=("Bedford",))),
        (
            "list open Bedford",
            ListTickets(locations=("Bedford",), words=("open", "Bedford")),
        ),
        (
            "list BAYERS lake critical",
            ListTickets(
                locations=("Bayers Lake",),
                priorities=(Priority.CRITICAL,),
                words=("Bayers Lake", "critical"),
            ),
        ),
        (
            "list in progress Dartmouth",
            ListTickets(
                statuses=(Status.IN_PROGRESS,),
                locations=("Dartmouth",),
                words=("in progress", "Dartmouth"),
            ),
        ),
        ("list resolved", ListTickets(statuses=(Status.RESOLVED,), words=("resolved",))),
        ("list all", ListTickets(statuses=(), words=("all",))),
        ("list all resolved", ListTickets(statuses=(Status.RESOLVED,), words=("all", "resolved"))),
        (
            "list mine high critical",
            ListTickets(
                priorities=(Priority.HIGH, Priority.CRITICAL),
                assignee=CALLER,
                words=("mine", "high", "critical"),
            ),
        ),
    ],
)
def test_list_filters(text: str, expected: ListTickets) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("status", ["in_progress", "in-progress", "in progress", "In Progress"])
def test_list_accepts_every_spelling_of_a_status(status: str) -> None:
    command = parse(f"list {status}")
    assert isinstance(command, ListTickets)
    assert command.statuses == (Status.IN_PROGRESS,)


def test_list_filter_maps_to_a_ticket_filter() -> None:
    command = parse("list mine critical Bedford tech")
    assert isinstance(command, ListTickets)
    flt = command.ticket_filter(limit=21)
    assert flt.statuses == ACTIVE
    assert list(flt.locations) == ["Bedford"]
    assert list(flt.priorities) == [Priority.CRITICAL]
    assert list(flt.categories) == [Category.TECH]
    assert (flt.assignee, flt.assigned, flt.limit) == (CALLER, None, 21)
    unassigned = parse("list unassigned")
    assert isinstance(unassigned, ListTickets)
    assert unassigned.ticket_filter().assigned is False
    assert command.describe() == "mine · critical · Bedford · tech"


def test_list_refuses_unknown_or_contradicting_filters() -> None:
    assert "`Halifax`" in problem("list Halifax")
    assert "Bayers Lake" in problem("list Halifax")  # the known locations are named
    assert "`bayers`" in problem("list bayers")  # half a location is no location
    assert "mine" in problem("list mine unassigned")


# --------------------------------------------------------------------------- show / new


@pytest.mark.parametrize("word", ["T-42", "t-42", "T42", "42", "T-042"])
def test_show_reads_a_ticket_id(word: str) -> None:
    assert parse(f"show {word}") == ShowTicket("T-42")


def test_show_needs_a_ticket_id() -> None:
    assert "needs a ticket id" in problem("show")
    assert "`banana` is not a ticket id" in problem("show banana")
    assert "is not a ticket id" in problem("show T-")


def test_new_takes_the_rest_as_title() -> None:
    assert parse("new") == CreateTicket("")
    assert parse("new   Bay 3 projector   flickers ") == CreateTicket("Bay 3 projector   flickers")
    # Slack's escaping undone: stored as typed, escaped again where it is shown.
    assert parse("new <!channel> printer &amp; &lt;jam&gt;") == CreateTicket(
        "@channel printer & <jam>"
    )


# --------------------------------------------------------------------------- assign


@pytest.mark.parametrize("mention", ["<@U0OP2|bob>", "<@U0OP2>", "U0OP2"])
def test_assign_reads_escaped_and_bare_mentions(mention: str) -> None:
    assert parse(f"assign T-7 {mention}") == AssignTicket("T-7", "U0OP2")


def test_assign_me_and_nobody() -> None:
    assert parse("assign T-7 me") == AssignTicket("T-7", CALLER)
    assert parse("assign T-7 nobody") == AssignTicket("T-7", None)


def test_assign_refuses_what_is_no_user() -> None:
    assert "Say who" in problem("assign T-7")
    assert "`@bob`" in problem("assign T-7 @bob")  # an unescaped name carries no id
    assert "one person" in problem("assign T-7 <@U1AAAAA> <@U2BBBBB>")
    assert "ticket id" in problem("assign <@U0OP2>")


# --------------------------------------------------------------------------- status


@pytest.mark.parametrize("spelling", ["in_progress", "in-progress", "in progress", "IN Progress"])
def test_status_names_in_every_spelling(spelling: str) -> None:
    assert parse(f"status T-3 {spelling}") == SetStatus("T-3", Status.IN_PROGRESS)


def test_status_open_and_archived() -> None:
    assert parse("status T-3 open") == SetStatus("T-3", Status.OPEN)
    assert parse("status T-3 archived") == SetStatus("T-3", Status.ARCHIVED)


def test_on_hold_needs_a_reason() -> None:
    assert parse("status T-3 on hold waiting for parts") == SetStatus(
        "T-3", Status.ON_HOLD, "waiting for parts"
    )
    assert parse("status T-3 on-hold vendor\nvisit Tuesday") == SetStatus(
        "T-3", Status.ON_HOLD, "vendor\nvisit Tuesday"
    )
    assert "on_hold <reason>" in problem("status T-3 on_hold")


def test_resolved_without_notes_points_to_resolve() -> None:
    assert "`/ticket resolve T-3 <notes>`" in problem("status T-3 resolved")
    assert parse("status T-3 resolved replaced the lamp") == SetStatus(
        "T-3", Status.RESOLVED, "replaced the lamp"
    )


def test_status_refuses_unknown_statuses_and_stray_text() -> None:
    assert "`done` is not a status" in problem("status T-3 done")
    assert "Which status" in problem("status T-3")
    assert "/ticket note T-3" in problem("status T-3 open customer says still broken")


# --------------------------------------------------------------------------- note / resolve


def test_note_keeps_the_text_as_typed() -> None:
    assert parse("note T-9 called <@U0OP2|bob> &amp; <https://x.example/a|x.example/a>") == (
        AddNote("T-9", "called @bob & https://x.example/a")
    )
    assert parse("note T-9 line one\nline two") == AddNote("T-9", "line one\nline two")
    assert "note is empty" in problem("note T-9")
    assert "ticket id" in problem("note hello")


def test_resolve_needs_notes() -> None:
    assert parse("resolve T-9 swapped the HDMI cable") == ResolveTicket(
        "T-9", "swapped the HDMI cable"
    )
    assert "/ticket resolve T-9 <notes>" in problem("resolve T-9")
    assert "ticket id" in problem("resolve")


def test_dismiss_needs_a_reason() -> None:
    assert parse("dismiss T-9 customer asking for a song, not a fault") == DismissTicket(
        "T-9", "customer asking for a song, not a fault"
    )
    assert "/ticket dismiss T-9 <why>" in problem("dismiss T-9")
    assert "ticket id" in problem("dismiss")


# --------------------------------------------------------------------------- web / help


def test_web_and_help() -> None:
    assert parse("web") == WebLogin()
    assert parse("WEB") == WebLogin()
    assert parse("help") == Help()
    assert parse("") == Help()
    assert parse("   ") == Help()


@pytest.mark.parametrize("text", ["frobnicate", "delete T-3", "<!channel>", "T-3"])
def test_anything_else_is_help_with_the_problem(text: str) -> None:
    assert "I don't know" in problem(text)


def test_plain_text_undoes_slack_formatting() -> None:
    assert plain_text("<!here> <!everyone> <#C0RELAY|relay> <#C0RELAY>") == (
        "@here @everyone #relay #C0RELAY"
    )
    assert plain_text("<!subteam^S0OPS|@ops> <https://a.example>") == "@ops https://a.example"
    assert plain_text("&amp;lt; stays text") == "&lt; stays text"
