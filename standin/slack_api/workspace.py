"""What the stub's workspace holds: messages per channel and thread, reactions, views,
users and groups; and the numbering of the ts and ids it hands out.

Method handlers and the stub read and change it with the stub's lock held.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from standin.slack_api.identity import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    TS_BASE,
    JsonDict,
    default_user,
)
from standin.slack_api.parsing import ts_key


class SlackApiStubError(Exception):
    """Raised inside a method handler to answer `{"ok": false, "error": ...}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


class Workspace:
    """The stored state. `clear()` forgets it; the ts and ids keep growing."""

    def __init__(self) -> None:
        self._ts_numbers = itertools.count(101)
        self._numbers = itertools.count(1)
        #: Where the stub listens ("http://127.0.0.1:<port>/"); set when it starts.
        self.root_url = ""
        self.clear()

    def clear(self) -> None:
        self.history: dict[str, list[JsonDict]] = {}
        self.threads: dict[tuple[str, str], list[JsonDict]] = {}
        self.reactions: dict[tuple[str, str], dict[str, list[str]]] = {}
        self.views: dict[str, JsonDict] = {}
        self.home: dict[str, JsonDict] = {}
        self.users: dict[str, JsonDict] = {}
        self.groups: dict[str, list[str]] = {}
        self.ephemeral: list[JsonDict] = []

    # ---- numbering

    def next_ts(self) -> str:
        n = next(self._ts_numbers)
        return f"{TS_BASE + n // 1_000_000}.{n % 1_000_000:06d}"

    def next_number(self) -> int:
        return next(self._numbers)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{self.next_number():08d}"

    # ---- lookups

    @staticmethod
    def channel_for(channel: Any) -> str:
        if not isinstance(channel, str) or not channel:
            raise SlackApiStubError("channel_not_found")
        if channel[0] in "UW":  # posting to a user id opens the DM
            return "D" + channel[1:]
        return channel

    def find_message(self, channel: str, ts: str) -> JsonDict | None:
        for m in self.history.get(channel, []):
            if m.get("ts") == ts:
                return m
        for (c, _), messages in self.threads.items():
            if c == channel:
                for m in messages:
                    if m.get("ts") == ts:
                        return m
        return None

    def top_level(self, channel: str, ts: str) -> JsonDict | None:
        return next((m for m in self.history.get(channel, []) if m.get("ts") == ts), None)

    def user(self, user_id: str) -> JsonDict:
        return dict(self.users.get(user_id) or default_user(user_id))

    # ---- building what is stored

    @staticmethod
    def message_from_args(args: Mapping[str, Any], ts: str) -> JsonDict:
        message: JsonDict = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": args.get("text") or "",
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts", "username", "icon_emoji"):
            if args.get(key) not in (None, ""):
                message[key] = args[key]
        return message

    # ---- what tests preload

    def preload_history(self, channel: str, messages: Iterable[Mapping[str, Any]]) -> None:
        stored = [_as_message(m) for m in messages]
        self.history[channel] = sorted(stored, key=lambda m: ts_key(m.get("ts")))

    def preload_thread(
        self, channel: str, thread_ts: str, messages: Iterable[Mapping[str, Any]]
    ) -> None:
        stored = [_as_message(m) for m in messages]
        for m in stored:
            m.setdefault("thread_ts", thread_ts)
        stored.sort(key=lambda m: ts_key(m.get("ts")))
        self.threads[(channel, thread_ts)] = stored
        history = self.history.setdefault(channel, [])
        parent = next((m for m in stored if m.get("ts") == thread_ts), None)
        if parent is not None and not any(m.get("ts") == thread_ts for m in history):
            history.append(parent)
            history.sort(key=lambda m: ts_key(m.get("ts")))

    def add_message(self, channel: str, fields: Mapping[str, Any], thread_ts: str | None) -> str:
        ts = self.next_ts()
        message = {**_as_message(fields), "ts": ts}
        if thread_ts is None:
            self.history.setdefault(channel, []).append(message)
            # conversations.replies answers a message with no replies as a thread of one.
            self.threads[(channel, ts)] = [message]
        else:
            message["thread_ts"] = thread_ts
            self.threads.setdefault((channel, thread_ts), []).append(message)
        return ts

    def set_user(self, user_id: str, fields: Mapping[str, Any]) -> None:
        self.users[user_id] = {**default_user(user_id), **fields, "id": user_id}


def _as_message(m: Mapping[str, Any]) -> JsonDict:
    message = dict(m)
    message.setdefault("type", "message")
    return message
