"""Events API payloads (`event_callback`): the event fields Bolt and our listeners read.
A relay message's `metadata` is not checked here: whatever it holds, the message is kept
and triaged on its text (`bot.intake.customers` reads the customer when it can)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import model_validator

from handlers.payloads.common import IdRef, Name, Payload, SlackId, Ts, UserRef
from handlers.payloads.envelope import Envelope


class MessageFields(Payload):
    """A message as an event carries it (or nests it, in an edit)."""

    type: Name | None = None
    subtype: Name | None = None
    ts: Ts | None = None
    thread_ts: Ts | None = None
    text: str | None = None
    user: SlackId | None = None
    bot_id: SlackId | None = None
    username: Name | None = None
    metadata: Any = None


class ReactedItem(Payload):
    type: Name | None = None
    channel: SlackId | None = None
    ts: Ts | None = None


class Event(MessageFields):
    """Any event: the fields Bolt's matchers and context read."""

    type: Name
    channel: SlackId | IdRef | None = None
    user: SlackId | UserRef | None = None  # type: ignore[assignment]  # a dict in user events
    team: SlackId | None = None
    user_team: SlackId | None = None
    message: MessageFields | None = None
    previous_message: MessageFields | None = None
    item: ReactedItem | None = None
    reaction: Name | None = None
    tab: Name | None = None

    @model_validator(mode="after")
    def _what_listeners_need(self) -> Event:
        if self.type == "message" and not isinstance(self.channel, str):
            raise ValueError("a message event names its channel")
        if self.type in ("reaction_added", "app_home_opened") and not isinstance(self.user, str):
            raise ValueError(f"a {self.type} event names its user")
        item = self.item
        if self.type == "reaction_added" and (item is None or not (item.channel and item.ts)):
            raise ValueError("a reaction names the channel and ts of its message")
        return self


class EventCallback(Envelope):
    type: Literal["event_callback"]
    event: Event  # type: ignore[assignment]
    event_id: Name | None = None


class UrlVerification(Envelope):
    type: Literal["url_verification"]
    challenge: Name
