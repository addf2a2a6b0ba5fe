"""The `/ticket` slash command's text, parsed into a typed command. Pure: no Slack, no
database. Whatever cannot be read becomes `Help` with the problem said in words.

The text arrives as Slack sends it with `should_escape: true`: `&`, `<`, `>` typed by the
user come as `&amp;`, `&lt;`, `&gt;`, and mentions, channels and links as `<@U…|name>`,
`<#C…|name>`, `<!channel>`, `<https://…|label>`. Free text (titles, notes, reasons) is
turned back into what the user typed (`plain_text`), so it is stored once, unescaped, and
escaped again wherever it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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
class WebLogin:
    """`web`: a one-time sign-in link to the dashboard."""


@dataclass(frozen=True)
class Help:
    """`help`, or anything that could not be read; `problem` says what was wrong."""

    problem: str | None = None


Command = (
    ListTickets
    | ShowTicket
    | CreateTicket
    | AssignTicket
    | SetStatus
    | AddNote
    | ResolveTicket
    | WebLogin
    | Help
)

# --------------------------------------------------------------------------- text

_USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_USER_ID = re.compile(r"^[UW](?=[A-Z0-9]*\d)[A-Z0-9]{3,}$")  # a bare id has a digit
_TICKET_ID = re.compile(r"^(?:T-?)?(\d{1,12})$", re.IGNORECASE)
_ANGLE = re.compile(r"<([^<>]*)>")
_SPECIAL = {"channel": "@channel", "here": "@here", "everyone": "@everyone"}


def _angle_to_plain(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):  # user
        return f"@{label}" if label else target
    if target.startswith("#"):  # channel
        return f"#{label}" if label else target
    if target.startswith("!"):  # special mention, user group, date
        name = target[1:]
        if label:
            return label if label.startswith("@") or name.startswith("date") else f"@{label}"
        return _SPECIAL.get(name, f"@{name.split('^')[-1]}")
    if label and label not in target:
        return f"{label} ({target})"
    return target


def plain_text(slack_text: str) -> str:
    """What the user typed, from Slack's escaped command text: `<@U1|ann>` -> `@ann`,
    `<!channel>` -> `@channel`, `<https://x|x>` -> `https://x`, `&lt;` -> `<`."""
    text = _ANGLE.sub(_angle_to_plain, slack_text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _key(words: Sequence[str]) -> str:
    """Words compared case-insensitively, with `-`, `_` and spaces alike."""
    return "_".join(w.casefold() for w in words).replace("-", "_")


@dataclass(frozen=True)
class _Words:
    """The command's words with where each starts, so the rest of the text can be kept
    exactly as typed (line breaks included)."""

    text: str
    words: tuple[str, ...] = field(init=False)
    starts: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        found = list(re.finditer(r"\S+", self.text))
        object.__setattr__(self, "words", tuple(m.group(0) for m in found))
        object.__setattr__(self, "starts", tuple(m.start() for m in found))

    def __len__(self) -> int:
        return len(self.words)

    def rest(self, index: int) -> str:
        """The text from word `index` on, as typed (made plain); "" past the end."""
        if index >= len(self.words):
            return ""
        return plain_text(self.text[self.starts[index] :])


def ticket_id_of(word: str) -> str | None:
    """`T-42`, `t-42`, `T42` or `42` -> `T-42`."""
    match = _TICKET_ID.match(word.strip())
    return f"T-{int(match.group(1))}" if match else None


def user_of(word: str, caller: str) -> str | None:
    """A user id from `<@U…|name>`, `<@U…>`, a bare user id, or `me`."""
    if word.casefold() == "me":
        return caller
    match = _USER_MENTION.match(word)
    if match:
        return match.group(1)
    return word if _USER_ID.match(word) else None


# --------------------------------------------------------------------------- parsing

_STATUS_WORDS: dict[str, Status] = {_key([s.value]): s for s in Status}
_STATUS_WORDS |= {"inprogress": Status.IN_PROGRESS, "onhold": Status.ON_HOLD}
STATUS_NAMES = ", ".join(s.value for s in Status)
NOBODY = {"nobody", "none", "noone", "no_one", "unassign", "unassigned"}


def _status_at(words: _Words, index: int) -> tuple[Status, int] | None:
    """The status named at `index` (one or two words) and how many words it took."""
    for length in (2, 1):
        chunk = words.words[index : index + length]
        if len(chunk) == length and _key(chunk) in _STATUS_WORDS:
            return _STATUS_WORDS[_key(chunk)], length
    return None


def parse_command(text: str, *, caller: str, locations: Sequence[str] = ()) -> Command:
    """The command in `/ticket` text. `caller` is who typed it (for `mine` and `me`),
    `locations` the configured location names (matched case-insensitively)."""
    words = _Words(text)
    if not words.words:
        return Help()
    verb = words.words[0].casefold()
    match verb:
        case "help" | "?":
            return Help()
        case "list" | "ls":
            return _parse_list(words, caller, locations)
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
        case "note":
            return _with_ticket(
                words, verb, lambda ticket_id: _parse_text(words, ticket_id, verb), "T-42 <text>"
            )
        case "resolve":
            return _with_ticket(
                words,
                verb,
                lambda ticket_id: _parse_text(words, ticket_id, verb),
                "T-42 <what fixed it>",
            )
        case "web":
            return WebLogin()
    return Help(problem=f"I don't know `{plain_text(words.words[0])}`.")


def _with_ticket(
    words: _Words, verb: str, build: Callable[[str], Command], example: str
) -> Command:
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


def _parse_assign(words: _Words, ticket_id: str, caller: str) -> Command:
    usage = f"`/ticket assign {ticket_id} @someone` (or `me`, or `nobody` to unassign)"
    if len(words) < 3:
        return Help(problem=f"Say who: {usage}.")
    if len(words) > 3:
        return Help(problem=f"Assign to one person: {usage}.")
    word = words.words[2]
    if _key([word]) in NOBODY:
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


def _parse_status(words: _Words, ticket_id: str) -> Command:
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


def _parse_text(words: _Words, ticket_id: str, verb: str) -> Command:
    text = words.rest(2)
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


# --- list filters -------------------------------------------------------------------


@dataclass
class _ListBuilder:
    caller: str
    statuses: list[Status] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    priorities: list[Priority] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    mine: bool = False
    unassigned: bool = False
    every_status: bool = False
    words: list[str] = field(default_factory=list)

    def apply(self, kind: str, value: str) -> None:
        if kind == "status":
            if value == "open":  # the wide sense, as on the App Home
                self.statuses += [s for s in ACTIVE if s not in self.statuses]
            elif value == "all":
                self.every_status = True
            elif Status(value) not in self.statuses:
                self.statuses.append(Status(value))
        elif kind == "priority" and Priority(value) not in self.priorities:
            self.priorities.append(Priority(value))
        elif kind == "category" and Category(value) not in self.categories:
            self.categories.append(Category(value))
        elif kind == "location" and value not in self.locations:
            self.locations.append(value)
        elif kind == "mine":
            self.mine = True
        elif kind == "unassigned":
            self.unassigned = True
        label = value.replace("_", " ") if kind == "status" else value
        if label not in self.words:
            self.words.append(label)

    def build(self) -> Command:
        if self.mine and self.unassigned:
            return Help(problem="`mine` and `unassigned` cannot both be true of a ticket.")
        statuses: tuple[Status, ...] = tuple(self.statuses) or ACTIVE
        if self.every_status and not self.statuses:
            statuses = ()  # `all`: any status (named statuses still narrow it)
        return ListTickets(
            statuses=statuses,
            locations=tuple(self.locations),
            priorities=tuple(self.priorities),
            categories=tuple(self.categories),
            assignee=self.caller if self.mine else None,
            unassigned=self.unassigned,
            words=tuple(self.words),
        )


def _list_vocabulary(locations: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Filter phrase (as `_key`) -> (kind, value). Keywords win over a same-named location."""
    vocab: dict[str, tuple[str, str]] = {}
    for name in locations:
        vocab[_key(name.split())] = ("location", name)
    for category in Category:
        vocab[category.value] = ("category", category.value)
    for priority in Priority:
        vocab[priority.value] = ("priority", priority.value)
    for word, status in _STATUS_WORDS.items():
        vocab[word] = ("status", status.value)
    vocab |= {
        "open": ("status", "open"),
        "active": ("status", "open"),
        "all": ("status", "all"),
        "mine": ("mine", "mine"),
        "unassigned": ("unassigned", "unassigned"),
    }
    return vocab


def _parse_list(words: _Words, caller: str, locations: Sequence[str]) -> Command:
    vocab = _list_vocabulary(locations)
    longest = max(len(k.split("_")) for k in vocab)
    builder = _ListBuilder(caller)
    index = 1
    while index < len(words):
        for length in range(min(longest, len(words) - index), 0, -1):
            key = _key(words.words[index : index + length])
            if key in vocab:
                builder.apply(*vocab[key])
                index += length
                break
        else:
            places = ", ".join(locations) or "none configured"
            return Help(
                problem=(
                    f"I don't know `{plain_text(words.words[index])}` as a list filter. "
                    "Filters: open, mine, unassigned, all, a status, a priority (critical, high, "
                    f"medium, low), a category (facilities, tech) or a location ({places})."
                )
            )
    return builder.build()
