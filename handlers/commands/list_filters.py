"""`/ticket list` filters: the words after `list`, read against a vocabulary of statuses,
priorities, categories, `mine`, `unassigned` and the configured locations (several words
each, any case)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.tickets.domain import Category, Priority, Status
from handlers.commands.parsed import ACTIVE, Command, Help, ListTickets
from handlers.commands.words import STATUS_WORDS, Words, phrase_key, plain_text


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
    """Filter phrase (as `phrase_key`) -> (kind, value). Keywords win over a same-named location."""
    vocab: dict[str, tuple[str, str]] = {}
    for name in locations:
        vocab[phrase_key(name.split())] = ("location", name)
    for category in Category:
        vocab[category.value] = ("category", category.value)
    for priority in Priority:
        vocab[priority.value] = ("priority", priority.value)
    for word, status in STATUS_WORDS.items():
        vocab[word] = ("status", status.value)
    vocab |= {
        "open": ("status", "open"),
        "active": ("status", "open"),
        "all": ("status", "all"),
        "mine": ("mine", "mine"),
        "unassigned": ("unassigned", "unassigned"),
    }
    return vocab


def parse_list(words: Words, caller: str, locations: Sequence[str]) -> Command:
    vocab = _list_vocabulary(locations)
    longest = max(len(k.split("_")) for k in vocab)
    builder = _ListBuilder(caller)
    index = 1
    while index < len(words):
        for length in range(min(longest, len(words) - index), 0, -1):
            key = phrase_key(words.words[index : index + length])
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
