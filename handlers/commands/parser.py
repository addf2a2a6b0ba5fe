"""The `/ticket` slash command's text, parsed into a typed command (`parsed`). Pure: no
Slack, no database. Whatever cannot be read becomes `Help` with the problem said in words."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.tickets.domain import Status
from handlers.commands.list_filters import parse_list
from handlers.commands.parsed import (
    AddNote,
    AssignTicket,
    Command,
    CreateTicket,
    DismissTicket,
    Help,
    ResolveTicket,
    SetStatus,
    ShowTicket,
    WebLogin,
)
from handlers.commands.words import (
    STATUS_WORDS,
    Words,
    phrase_key,
    plain_text,
    ticket_id_of,
    user_of,
)

STATUS_NAMES = ", ".join(s.value for s in Status)
TEXT_USAGE = {"note": "T-42 <text>", "resolve": "T-42 <what fixed it>", "dismiss": "T-42 <why>"}
NOBODY = {"nobody", "none", "noone", "no_one", "unassign", "unassigned"}


def _status_at(words: Words, index: int) -> tuple[Status, int] | None:
    """The status named at `index` (one or two words) and how many words it took."""
    for length in (2, 1):
        chunk = words.words[index : index + length]
        if len(chunk) == length and phrase_key(chunk) in STATUS_WORDS:
            return STATUS_WORDS[phrase_key(chunk)], length
    return None


def parse_command(text: str, *, caller: str, locations: Sequence[str] = ()) -> Command:
    """The command in `/ticket` text. `caller` is who typed it (for `mine` and `me`),
    `locations` the configured location names (matched case-insensitively)."""
    words = Words(text)
    if not words.words:
        return Help()
    verb = words.words[0].casefold()
    match verb:
        case "help" | "?":
            return Help()
        case "list" | "ls":
            return parse_list(words, caller, locations)
        case "show":
            return _with_ticket(words, verb, ShowTicket, "T-42")
        case "new" | "create":
            return CreateTicket(title=words.rest(1))
        case "assign":
            return _with_ticket(
                words, verb, lambda ticket_id: _parse_assign(words, ticket_id, caller), "T-42 @ann"
            )
        case "status":
            return _with_ticket(
                words, verb, lambda ticket_id: _parse_status(words, ticket_id), "T-42 in_progress"
            )
        case "note" | "resolve" | "dismiss":
            return _with_ticket(
                words, verb, lambda ticket_id: _parse_text(words, ticket_id, verb), TEXT_USAGE[verb]
            )
        case "web":
            return WebLogin()
    return Help(problem=f"I don't know `{plain_text(words.words[0])}`.")


def _with_ticket(words: Words, verb: str, build: Callable[[str], Command], example: str) -> Command:
    if len(words) < 2:
        return Help(problem=f"`{verb}` needs a ticket id: `/ticket {verb} {example}`.")
    ticket_id = ticket_id_of(words.words[1])
    if ticket_id is None:
        return Help(
            problem=(
                f"`{plain_text(words.words[1])}` is not a ticket id: `/ticket {verb} {example}`."
            )
        )
    return build(ticket_id)


def _parse_assign(words: Words, ticket_id: str, caller: str) -> Command:
    usage = f"`/ticket assign {ticket_id} @someone` (or `me`, or `nobody` to unassign)"
    if len(words) < 3:
        return Help(problem=f"Say who: {usage}.")
    if len(words) > 3:
        return Help(problem=f"Assign to one person: {usage}.")
    word = words.words[2]
    if phrase_key([word]) in NOBODY:
        return AssignTicket(ticket_id, None)
    user = user_of(word, caller)
    if user is None:
        return Help(
            problem=(
                f"I could not tell who `{plain_text(word)}` is: pick them from Slack's @ list, "
                f"so the command carries who they are: {usage}."
            )
        )
    return AssignTicket(ticket_id, user)


def _parse_status(words: Words, ticket_id: str) -> Command:
    if len(words) < 3:
        return Help(
            problem=f"Which status? `/ticket status {ticket_id} <status>` ({STATUS_NAMES})."
        )
    found = _status_at(words, 2)
    if found is None:
        return Help(
            problem=f"`{plain_text(words.words[2])}` is not a status (statuses: {STATUS_NAMES})."
        )
    status, length = found
    text = words.rest(2 + length)
    if status == Status.RESOLVED and not text:
        return Help(
            problem=(
                "Resolving needs notes that say what fixed it: "
                f"use `/ticket resolve {ticket_id} <notes>`."
            )
        )
    if status == Status.ON_HOLD and not text:
        return Help(
            problem=f"Say why it is on hold: `/ticket status {ticket_id} on_hold <reason>`."
        )
    if text and status not in (Status.RESOLVED, Status.ON_HOLD):
        return Help(
            problem=(
                f"`/ticket status {ticket_id} {status.value}` takes no text; add it as a note "
                f"with `/ticket note {ticket_id} <text>`."
            )
        )
    return SetStatus(ticket_id, status, text or None)


def _parse_text(words: Words, ticket_id: str, verb: str) -> Command:
    text = words.rest(2)
    if verb == "dismiss":
        return _parse_dismiss(ticket_id, text)
    if verb == "note":
        if not text:
            return Help(problem=f"The note is empty: `/ticket note {ticket_id} <text>`.")
        return AddNote(ticket_id, text)
    if not text:
        return Help(
            problem=(
                f"Resolving needs notes that say what fixed it: "
                f"`/ticket resolve {ticket_id} <notes>`."
            )
        )
    return ResolveTicket(ticket_id, text)


def _parse_dismiss(ticket_id: str, why: str) -> Command:
    if not why:
        return Help(
            problem=(
                f"Say why it should not have been a ticket: `/ticket dismiss {ticket_id} <why>`."
            )
        )
    return DismissTicket(ticket_id, why)
