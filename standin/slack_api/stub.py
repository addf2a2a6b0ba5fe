"""`SlackStub`: the Slack Web API stand-in (see the package docstring for what it answers)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from standin.http_server import StubReply, StubRequest
from standin.slack_api.fault_controls import FaultControls
from standin.slack_api.faults import Planned, planned_reply
from standin.slack_api.identity import JsonDict
from standin.slack_api.methods import METHODS
from standin.slack_api.parsing import parse_args
from standin.slack_api.recording import Call
from standin.slack_api.workspace import SlackApiStubError, Workspace

if TYPE_CHECKING:
    from standin.socket_mode import SocketModeStandIn

#: Paths answered without a bot token, as Slack does (the URL itself is the secret).
_UNAUTHENTICATED = ("response_url", "upload")


class SlackStub(FaultControls):
    """A local Slack Web API. See the package docstring."""

    thread_name = "slack-stub"

    def __init__(self, *, valid_tokens: Iterable[str] | None = None) -> None:
        super().__init__()
        #: None: any `xoxb-`/`xoxp-` token is accepted; else only these tokens.
        self.valid_tokens: set[str] | None = set(valid_tokens) if valid_tokens else None
        self._workspace = Workspace()
        self._socket_mode: SocketModeStandIn | None = None

    def start(self) -> Self:
        super().start()
        self._workspace.root_url = self.root_url
        return self

    @property
    def base_url(self) -> str:
        """What to pass as `AsyncWebClient(base_url=...)`; ends in `/api/`."""
        return f"{self.root_url}api/"

    def response_url(self, n: int | None = None) -> str:
        """A response_url pointing at the stub (`.../api/response_url/<n>`, n unique by default)."""
        with self._lock:
            number = self._workspace.next_number() if n is None else n
        return f"{self.base_url}response_url/{number}"

    def client(self, token: str | None = "xoxb-test", **kwargs: Any) -> Any:
        """A real `AsyncWebClient` pointed at this stub."""
        from slack_sdk.web.async_client import AsyncWebClient

        return AsyncWebClient(token=token, base_url=self.base_url, **kwargs)

    # ---- what the workspace holds now

    def messages(self, channel: str, thread_ts: str | None = None) -> list[JsonDict]:
        """Stored messages (oldest first): a channel's top level, or one thread."""
        with self._lock:
            if thread_ts is None:
                return [dict(m) for m in self._workspace.history.get(channel, [])]
            return [dict(m) for m in self._workspace.threads.get((channel, thread_ts), [])]

    def reactions(self, channel: str, ts: str) -> list[str]:
        """Reaction names currently on a message."""
        with self._lock:
            on_message = self._workspace.reactions.get((channel, ts), {})
            return [name for name, users in on_message.items() if users]

    def view(self, view_id: str) -> JsonDict:
        with self._lock:
            return dict(self._workspace.views[view_id])

    def home_view(self, user_id: str) -> JsonDict | None:
        with self._lock:
            view = self._workspace.home.get(user_id)
            return dict(view) if view else None

    def ephemeral_messages(self) -> list[JsonDict]:
        with self._lock:
            return [dict(m) for m in self._workspace.ephemeral]

    # ---- configuration

    def attach_socket_mode(self, standin: SocketModeStandIn) -> None:
        """`apps.connections.open` (with an `xapp-` token) hands out `standin`'s URLs."""
        with self._lock:
            self._socket_mode = standin

    def reset(self) -> None:
        """Forget calls, queued faults and all stored state (the port stays; ts keep growing)."""
        with self._lock:
            self._calls.clear()
            self._faults.clear()
            self._random_faults = None
            self._workspace.clear()
            self.errors.clear()
        self._end_waits()

    def set_history(self, channel: str, messages: Iterable[Mapping[str, Any]]) -> None:
        """Preload a channel's top-level messages (any order; kept sorted by ts)."""
        with self._lock:
            self._workspace.preload_history(channel, messages)

    def set_replies(
        self, channel: str, thread_ts: str, messages: Iterable[Mapping[str, Any]]
    ) -> None:
        """Preload a thread: the parent (ts == thread_ts) and replies, as conversations.replies
        returns them. The parent is also added to the channel history when missing."""
        with self._lock:
            self._workspace.preload_thread(channel, thread_ts, messages)

    def add_message(
        self, channel: str, message: Mapping[str, Any], thread_ts: str | None = None
    ) -> str:
        """Store a message someone else posted (a person, another app's bot) with a fresh
        ts, in `thread_ts`'s thread when given; its ts. The demo's customers post this way."""
        with self._lock:
            return self._workspace.add_message(channel, message, thread_ts)

    def set_user(self, user_id: str, **fields: Any) -> None:
        """What `users.info` answers for `user_id` (merged over a synthesised user)."""
        with self._lock:
            self._workspace.set_user(user_id, fields)

    def set_group_members(self, group_id: str, users: Iterable[str]) -> None:
        """What `usergroups.users.list(usergroup=group_id)` answers."""
        with self._lock:
            self._workspace.groups[group_id] = list(users)

    # ---- request handling (server threads)

    def handle(self, request: StubRequest) -> StubReply:
        parts = urlsplit(request.target)
        method = _method_of(parts.path)
        if method is None:
            return StubReply(404, "slack_stub: not found")
        # The upload URL takes the file's bytes whatever the content type says (slack_sdk's
        # sync client sends urllib's default, a form): its body is never parsed.
        parsed = b"" if method == "upload" else request.raw
        try:
            body, encoding = parse_args(parts.query, request.headers, parsed)
        except (ValueError, UnicodeDecodeError) as exc:
            body, encoding = {"_unparsed": request.raw.decode("utf-8", "replace")}, "invalid"
            self._record_error(exc)
        call = Call(
            method=method,
            body=body,
            headers=request.headers,
            time=time.monotonic(),
            http_method=request.http_method,
            path=parts.path,
            encoding=encoding,
            raw=request.raw,
        )
        self._record(call)
        reply = self._answer(call)
        self._record_reply(call, reply)
        return reply

    def _answer(self, call: Call) -> StubReply:
        if call.method == "apps.connections.open":
            return self._open_connection(call.token)
        if call.method not in _UNAUTHENTICATED and not self._token_ok(call.token):
            return StubReply(200, {"ok": False, "error": "invalid_auth"})
        planned = self._take_planned(call.method)
        if planned is None:
            planned = self._draw_random(call.method)
        if planned is not None and planned.kind == "late":
            reply = self._answer_planned_or_method(call, None)
            with self._lock:
                wakeup = self._wakeup
            wakeup.wait(planned.delay)
            return reply
        return self._answer_planned_or_method(call, planned)

    def _answer_planned_or_method(self, call: Call, planned: Planned | None) -> StubReply:
        if planned is not None:
            return planned_reply(call.method, planned)
        if call.method == "response_url":
            return StubReply(200, "ok")
        if call.method == "upload":
            return StubReply(200, f"OK - {len(call.raw)}")
        return self._call_method(call)

    def _call_method(self, call: Call) -> StubReply:
        handler = METHODS.get(call.method)
        try:
            with self._lock:
                result = handler(self._workspace, call.body) if handler is not None else {}
        except SlackApiStubError as exc:
            return StubReply(200, {"ok": False, "error": exc.error, **exc.extra})
        except Exception as exc:
            self._record_error(exc)
            return StubReply(500, {"ok": False, "error": f"slack_stub_error: {exc!r}"})
        return StubReply(200, {"ok": True, **result})

    def _open_connection(self, token: str | None) -> StubReply:
        """Socket Mode's URL; only an app-level token may ask, as on Slack."""
        if not token or not token.startswith("xapp-"):
            return StubReply(200, {"ok": False, "error": "not_allowed_token_type"})
        with self._lock:
            standin = self._socket_mode
        if standin is None:
            return StubReply(200, {"ok": False, "error": "socket_mode_not_enabled"})
        return StubReply(200, {"ok": True, "url": standin.issue_url()})

    def _token_ok(self, token: str | None) -> bool:
        if not token:
            return False
        if self.valid_tokens is not None:
            return token in self.valid_tokens
        return token.startswith(("xoxb-", "xoxp-"))


def _method_of(path: str) -> str | None:
    """The Web API method a path names ("response_url" and "upload" for those paths)."""
    if path.startswith("/api/response_url/"):
        return "response_url"
    if path.startswith("/upload/"):
        return "upload"
    if path.startswith("/api/") and len(path) > 5:
        return path[5:].strip("/")
    return None
