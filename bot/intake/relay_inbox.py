"""The relay inbox: customer messages relayed into Slack are stored here before Slack gets
its ack, one inbox row per message (channel + ts), so a retry or an edit lands on the same
row and nothing acknowledged is ever lost. The triage pipeline (bot.intake.relay_triage)
works through the stored rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bot.club import ClubConfig
from bot.tickets.domain import ThreadRef
from storage.db import Database
from storage.inbox import DONE, InboxRepository, record_first

RELAY_KIND = "relay_message"
IGNORED_SUBTYPES = frozenset(
    {
        "message_deleted",
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "pinned_item",
        "unpinned_item",
        "bot_add",
        "bot_remove",
        "ekm_access_denied",
    }
)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class RelayedMessage:
    channel: str
    ts: str
    thread_ts: str
    text: str
    user: str | None
    bot_id: str | None
    username: str | None
    metadata: dict[str, Any] | None

    @property
    def thread(self) -> ThreadRef:
        return ThreadRef(self.channel, self.thread_ts)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> RelayedMessage | None:
        """The message an event carries, or None when it is nothing to triage (a deletion,
        a join, an empty post). An edit carries the edited message."""
        subtype = event.get("subtype")
        if subtype in IGNORED_SUBTYPES:
            return None
        message = event.get("message") if subtype == "message_changed" else event
        if not isinstance(message, dict):
            return None
        # PostgreSQL text cannot hold NUL: a stray one would fail the ticket on every retry.
        text = str(message.get("text") or "").replace("\x00", "")
        if not text.strip():
            return None
        ts = str(message.get("ts") or "")
        channel = str(event.get("channel") or "")
        if not ts or not channel:
            return None
        return cls(
            channel=channel,
            ts=ts,
            thread_ts=str(message.get("thread_ts") or ts),
            text=text,
            user=_text_or_none(message.get("user")),
            bot_id=_text_or_none(message.get("bot_id")),
            username=_text_or_none(message.get("username")),
            metadata=metadata if isinstance(metadata := message.get("metadata"), dict) else None,
        )


def inbox_key(message: RelayedMessage) -> str:
    # One key per message (channel + ts): a retry and an edit of it land on the same row.
    return f"relay:{message.channel}:{message.ts}"


class RelayInbox:
    """The receiving side: store first, so nothing is lost once Slack got its 200."""

    def __init__(self, database: Database, club: ClubConfig) -> None:
        self.database = database
        self.club = club

    def is_relay_channel(self, channel: str) -> bool:
        return self.club.location_for_channel(channel) is not None

    async def receive(self, event: dict[str, Any]) -> bool:
        """Store a relay-channel message for triage; True when there is new work."""
        message = RelayedMessage.from_event(event)
        if message is None or not self.is_relay_channel(message.channel):
            return False
        payload = asdict(message)
        key = inbox_key(message)
        if await record_first(self.database, key, RELAY_KIND, payload, thread=str(message.thread)):
            return True
        if event.get("subtype") != "message_changed":
            return False
        # An edit of a message not triaged yet is triaged once, as edited (a triage already
        # under way notices the change and starts again: see `RelayTriage._act` in
        # bot.intake.relay_triage).
        async with self.database.unit_of_work(urgent=True) as session:
            row = await InboxRepository(session).get(key, lock=True)
            if row is not None and row.status != DONE and row.payload != payload:
                row.payload = payload
                return True
        return False
