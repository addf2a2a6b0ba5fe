"""The customer's side of a ticket's threads: the relay messages the app stored in its
inbox when they arrived, read back per thread for the dashboard's ticket page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.intake.relay_inbox import RELAY_KIND
from bot.tickets.domain import ThreadRef
from storage.db import Database
from storage.inbox import InboxRepository

SLACK_ARCHIVES = "https://slack.com/archives"


@dataclass(frozen=True)
class CustomerMessage:
    ts: str
    text: str
    author: str  # the relay's display name, else the Slack user or bot id
    received_at: datetime


@dataclass(frozen=True)
class Conversation:
    """One linked thread: its key (`C…:ts`), where it is in Slack (None for a reference
    that is not shaped `channel:ts`, e.g. one kept from an import) and its messages."""

    thread: str
    permalink: str | None
    messages: tuple[CustomerMessage, ...]


def permalink(thread: ThreadRef) -> str:
    """Slack's link to the thread's root message: the ts without its dot."""
    return f"{SLACK_ARCHIVES}/{thread.channel}/p{thread.thread_ts.replace('.', '')}"


class Conversations:
    """Read only; anyone signed in may look."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def of_threads(self, threads: Sequence[str]) -> list[Conversation]:
        """A conversation per thread key, in the order given."""
        found: list[Conversation] = []
        async with self.database.reading() as session:
            inbox = InboxRepository(session)
            for thread in threads:
                rows = await inbox.conversation(RELAY_KIND, thread)
                messages = tuple(
                    CustomerMessage(
                        ts=str(row.payload.get("ts") or ""),
                        text=str(row.payload.get("text") or ""),
                        author=_author(row.payload),
                        received_at=row.received_at,
                    )
                    for row in rows
                )
                ref = ThreadRef.parse(thread)
                found.append(Conversation(thread, permalink(ref) if ref else None, messages))
        return found


def _author(payload: dict[str, object]) -> str:
    for key in ("username", "user", "bot_id"):
        value = payload.get(key)
        if value:
            return str(value)
    return "customer"
