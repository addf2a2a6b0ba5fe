"""A real HTTP stand-in for the Slack Web API, for tests that talk to Slack without Slack.

`SlackStub` listens on 127.0.0.1 (a free port) in a background thread. Point the real
client at it (the trailing `/api/` of `base_url` matters):

    client = AsyncWebClient(token="xoxb-test", base_url=stub.base_url)
    app = AsyncApp(client=client, signing_secret=SECRET)

It answers the methods the ticket app uses like Slack does, keeping just enough state
to be consistent (messages per channel and thread, reactions, views, users, groups):

- `auth.test` -> team `T0TEAM`, bot user `U0BOT`, bot `B0BOT` (AsyncApp calls it lazily,
  once, on the first request that needs authorization).
- `chat.postMessage` -> unique increasing `ts` ("1732550000.000101", ...), message
  echoed and stored (a `thread_ts` reply goes to the thread; posting to a user id
  answers with a `D...` channel as Slack does). `chat.update`, `chat.delete`,
  `chat.postEphemeral` (`message_ts`), `chat.getPermalink`.
- `conversations.history` (newest first) / `conversations.replies` (parent first):
  what tests preloaded (`set_history`, `set_replies`) plus what the app posted.
  `metadata` is only returned with `include_all_metadata=true`, as on Slack.
  `limit`/`cursor`/`oldest`/`latest`/`inclusive` work. Unknown thread -> `thread_not_found`.
- `views.open` / `views.push` / `views.update` / `views.publish` -> the view back with an
  `id` (and `state`, `hash`, `root_view_id`, ...).
- `reactions.add` / `reactions.remove` (a second add of the same reaction answers
  `already_reacted`, a remove of a missing one `no_reaction`, as on Slack).
- `users.info` (synthesised user unless set with `set_user`), `usergroups.users.list`
  (`set_group_members`; unknown group -> `no_such_subteam`), `conversations.open`,
  `conversations.info`, `files.upload`, `files.getUploadURLExternal` (its `upload_url`
  points back at the stub), `files.completeUploadExternal`, `api.test`.
- Any other method -> `{"ok": true}` (recorded).
- Missing or invalid `Authorization: Bearer xox[bp]-...` -> `{"ok": false, "error":
  "invalid_auth"}` (real Slack says `not_authed` when the token is missing altogether).
- `POST /api/response_url/<n>` (see `response_url()`) is recorded as method
  `"response_url"` and answered `ok` (text), like Slack's response_url endpoint.

Every request is recorded as a `Call` (method, merged args, headers, time, ...):
`stub.calls("chat.postMessage")`, `await stub.wait_for("views.open")` (the app works
after `ack()`, so poll), `stub.wait_for_sync(...)`, `await stub.assert_no_call(...)`.

Faults, consumed in order per method (`"*"` = any method):
`fail_next(method, error=..., times=1)` (HTTP 200, ok false),
`rate_limit_next(method, retry_after=1, times=1)` (HTTP 429 + Retry-After),
`server_error_next(method, status=500, times=1)`, `slow_next(method, seconds)`,
`respond_next(method, body, status=200)`.

How slack_sdk 3.48 sends each method (see `Call.encoding`): `chat.postMessage`,
`chat.update`, `chat.postEphemeral`, `views.*` -> JSON body; `auth.test`,
`reactions.*`, `chat.delete`, `files.getUploadURLExternal`,
`files.completeUploadExternal` -> POST with the arguments in the query string and an
empty form body; `conversations.history/replies`, `users.info`, `chat.getPermalink`,
`usergroups.users.list` -> GET with a query string. `Call.body` merges all of them.

Use the `slack_stub` fixture (`from tests.support.slack_stub import slack_stub_fixture`
in a test module, or `pytest_plugins = ["tests.support.slack_stub"]` in the root
conftest) or the class as a context manager: `with SlackStub() as stub: ...`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

JsonDict = dict[str, Any]

TEAM_ID = "T0TEAM"
TEAM_DOMAIN = "clubos-test"
TEAM_NAME = "ClubOS Test"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0APP"
BOT_NAME = "clubos-tickets"
WORKSPACE_URL = f"https://{TEAM_DOMAIN}.slack.com/"

#: First bot message ts is f"{TS_BASE}.000101"; later ones increase.
TS_BASE = 1732550000

#: Keys slack_sdk JSON-encodes when it sends arguments as form fields or query strings.
_JSON_FIELDS = frozenset({"blocks", "attachments", "view", "metadata", "files", "unfurls"})

_TRUE = (True, 1, "1", "true", "True")


# --------------------------------------------------------------------------- records


@dataclass
class Call:
    """One HTTP request the stub received."""

    #: Web API method ("chat.postMessage"), or "response_url" / "upload" for those paths.
    method: str
    #: Arguments: query string + JSON/form/multipart body merged (body wins). Values that
    #: slack_sdk JSON-encodes inside forms (blocks, view, metadata, ...) are decoded.
    body: JsonDict
    #: Request headers, names lower-cased.
    headers: dict[str, str]
    #: `time.monotonic()` when the request arrived.
    time: float
    http_method: str = "POST"
    path: str = ""
    #: How the arguments came: "json", "form", "multipart", "query" (nothing in the body,
    #: all in the URL query string), "raw" (e.g. file bytes) or "empty".
    encoding: str = "empty"
    raw: bytes = b""
    #: Filled in once the stub has answered (None while a `slow_next` wait is running).
    status: int | None = None
    response: Any = None

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip() or None
        token = self.body.get("token")
        return token if isinstance(token, str) else None

    @property
    def ok(self) -> bool:
        return isinstance(self.response, dict) and self.response.get("ok") is True

    def get(self, key: str, default: Any = None) -> Any:
        return self.body.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.body[key]


@dataclass(frozen=True)
class _Planned:
    """A queued answer for the next call of a method."""

    kind: str  # "fail" | "ratelimit" | "server_error" | "slow" | "respond"
    error: str = ""
    status: int = 200
    retry_after: int = 1
    delay: float = 0.0
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Reply:
    status: int
    body: Any  # dict -> JSON; str/bytes -> text/plain
    headers: Mapping[str, str] = field(default_factory=dict)


class SlackApiStubError(Exception):
    """Raised inside a method handler to answer `{"ok": false, "error": ...}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


# --------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, stub: SlackStub) -> None:
        self.stub = stub
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away (closed pool, timeout) is expected; stay quiet.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self, http_method: str) -> None:
        raw = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.stub._handle(http_method, self.path, headers, raw)
        if isinstance(reply.body, bytes | str):
            data = reply.body.encode() if isinstance(reply.body, str) else reply.body
            content_type = "text/plain; charset=utf-8"
        else:
            data = json.dumps(reply.body).encode()
            content_type = "application/json; charset=utf-8"
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


# --------------------------------------------------------------------------- parsing


def _flatten(values: Mapping[str, list[str]]) -> JsonDict:
    return {k: v[0] if len(v) == 1 else list(v) for k, v in values.items()}


def _parse_multipart(raw: bytes, content_type: str) -> JsonDict:
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
    )
    out: JsonDict = {}
    if not message.is_multipart():
        return out
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        out[name] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    return out


def _parse_args(query: str, headers: Mapping[str, str], raw: bytes) -> tuple[JsonDict, str]:
    args = _flatten(parse_qs(query, keep_blank_values=True))
    content_type = headers.get("content-type", "")
    mime = content_type.split(";", 1)[0].strip().lower()
    encoding = "query" if args else "empty"
    body: JsonDict = {}
    if raw:
        if mime == "application/json":
            loaded = json.loads(raw)
            body = loaded if isinstance(loaded, dict) else {"_json": loaded}
            encoding = "json"
        elif mime == "application/x-www-form-urlencoded":
            body = _flatten(parse_qs(raw.decode("utf-8"), keep_blank_values=True))
            encoding = "form"
        elif mime == "multipart/form-data":
            body = _parse_multipart(raw, content_type)
            encoding = "multipart"
        else:
            encoding = "raw"
    merged = {**args, **body}
    for key in _JSON_FIELDS & merged.keys():
        value = merged[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                merged[key] = json.loads(value)
    return merged, encoding


def _truthy(value: Any) -> bool:
    return value in _TRUE


def _ts_key(ts: Any) -> float:
    try:
        return float(ts)
    except (TypeError, ValueError):
        return 0.0


# --------------------------------------------------------------------------- the stub


class SlackStub:
    """A local Slack Web API. See the module docstring."""

    def __init__(self, *, valid_tokens: Iterable[str] | None = None) -> None:
        #: None: any `xoxb-`/`xoxp-` token is accepted; else only these tokens.
        self.valid_tokens: set[str] | None = set(valid_tokens) if valid_tokens else None
        #: Exceptions raised inside the stub's own handlers; the fixture fails the test.
        self.errors: list[BaseException] = []
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._wakeup = threading.Event()
        self._ts_numbers = itertools.count(101)
        self._ids = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._clear_state()

    def _clear_state(self) -> None:
        self._calls: list[Call] = []
        self._plans: dict[str, deque[_Planned]] = {}
        self._history: dict[str, list[JsonDict]] = {}
        self._threads: dict[tuple[str, str], list[JsonDict]] = {}
        self._reactions: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._views: dict[str, JsonDict] = {}
        self._home: dict[str, JsonDict] = {}
        self._users: dict[str, JsonDict] = {}
        self._groups: dict[str, list[str]] = {}
        self._ephemeral: list[JsonDict] = []

    # ---- lifecycle

    def start(self) -> SlackStub:
        if self._server is not None:
            return self
        self._wakeup.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="slack-stub",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._wakeup.set()  # end any slow_next() wait
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def __enter__(self) -> SlackStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackStub is not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def base_url(self) -> str:
        """What to pass as `AsyncWebClient(base_url=...)`; ends in `/api/`."""
        return f"{self.root_url}api/"

    def response_url(self, n: int | None = None) -> str:
        """A response_url pointing at the stub (`.../api/response_url/<n>`, n unique by default)."""
        return f"{self.base_url}response_url/{next(self._ids) if n is None else n}"

    def client(self, token: str = "xoxb-test", **kwargs: Any) -> Any:
        """A real `AsyncWebClient` pointed at this stub."""
        from slack_sdk.web.async_client import AsyncWebClient

        return AsyncWebClient(token=token, base_url=self.base_url, **kwargs)

    # ---- inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls in arrival order, all or of one method."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def count(self, method: str | None = None) -> int:
        return len(self.calls(method))

    def last(self, method: str | None = None) -> Call:
        found = self.calls(method)
        if not found:
            raise AssertionError(f"slack_stub received no {method or 'API'} call")
        return found[-1]

    def methods(self) -> list[str]:
        """Names of all recorded calls, in order (handy in assertion messages)."""
        return [c.method for c in self.calls()]

    def _matching(self, method: str, predicate: Callable[[Call], bool] | None) -> list[Call]:
        return [c for c in self.calls(method) if predicate is None or predicate(c)]

    def _timeout_message(self, method: str, count: int, got: int, timeout: float) -> str:
        return (
            f"slack_stub: expected {count} {method} call(s), got {got} matching within "
            f"{timeout}s; calls seen: {self.methods()}"
        )

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until `count` calls of `method` (matching `predicate`) arrived; return them all."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._matching(method, predicate)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_message(method, count, len(found), timeout))
            await asyncio.sleep(0.01)

    def wait_for_sync(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Blocking `wait_for` (do not call it from the event loop the app runs in)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self._matching(method, predicate)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_message(method, count, len(found), timeout))
                self._changed.wait(remaining)

    async def assert_no_call(
        self,
        method: str,
        wait: float = 0.2,
        predicate: Callable[[Call], bool] | None = None,
    ) -> None:
        """Wait `wait` seconds and fail if any `method` call (matching `predicate`) arrived."""
        await asyncio.sleep(wait)
        found = self._matching(method, predicate)
        if found:
            raise AssertionError(
                f"slack_stub: unexpected {method} call(s): {[c.body for c in found]}"
            )

    def messages(self, channel: str, thread_ts: str | None = None) -> list[JsonDict]:
        """Stored messages (oldest first): a channel's top level, or one thread."""
        with self._lock:
            if thread_ts is None:
                return [dict(m) for m in self._history.get(channel, [])]
            return [dict(m) for m in self._threads.get((channel, thread_ts), [])]

    def reactions(self, channel: str, ts: str) -> list[str]:
        """Reaction names currently on a message."""
        with self._lock:
            return [n for n, users in self._reactions.get((channel, ts), {}).items() if users]

    def view(self, view_id: str) -> JsonDict:
        with self._lock:
            return dict(self._views[view_id])

    def home_view(self, user_id: str) -> JsonDict | None:
        with self._lock:
            view = self._home.get(user_id)
            return dict(view) if view else None

    def ephemeral_messages(self) -> list[JsonDict]:
        with self._lock:
            return [dict(m) for m in self._ephemeral]

    # ---- configuration

    def reset(self) -> None:
        """Forget calls, queued faults and all stored state (the port stays; ts keep growing)."""
        with self._lock:
            self._clear_state()
            self.errors.clear()
            wakeup, self._wakeup = self._wakeup, threading.Event()
        wakeup.set()

    def _plan(self, method: str, planned: _Planned, times: int) -> None:
        with self._lock:
            self._plans.setdefault(method, deque()).extend([planned] * times)

    def fail_next(self, method: str, error: str = "channel_not_found", times: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP 200 `{"ok": false, "error": error}`."""
        self._plan(method, _Planned("fail", error=error), times)

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls answer HTTP 429 + `Retry-After`, body error `ratelimited`."""
        self._plan(method, _Planned("ratelimit", status=429, retry_after=retry_after), times)

    def server_error_next(
        self, method: str, status: int = 500, times: int = 1, error: str = "internal_error"
    ) -> None:
        """The next `times` calls answer HTTP `status` with `{"ok": false, "error": error}`."""
        self._plan(method, _Planned("server_error", status=status, error=error), times)

    def slow_next(self, method: str, seconds: float, times: int = 1) -> None:
        """The next `times` calls wait `seconds` (server side) before being answered normally.

        The wait ends early on `reset()` / `close()`.
        """
        self._plan(method, _Planned("slow", delay=seconds), times)

    def respond_next(
        self,
        method: str,
        body: Any,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls answer exactly `body` (dict -> JSON, str -> text)."""
        planned = _Planned("respond", status=status, body=body, headers=dict(headers or {}))
        self._plan(method, planned, times)

    def pending(self, method: str | None = None) -> int:
        """How many queued faults/answers are not consumed yet."""
        with self._lock:
            if method is not None:
                return len(self._plans.get(method, ()))
            return sum(len(q) for q in self._plans.values())

    def set_history(self, channel: str, messages: Iterable[Mapping[str, Any]]) -> None:
        """Preload a channel's top-level messages (any order; kept sorted by ts)."""
        with self._lock:
            stored = [self._as_message(m) for m in messages]
            self._history[channel] = sorted(stored, key=lambda m: _ts_key(m.get("ts")))

    def set_replies(
        self, channel: str, thread_ts: str, messages: Iterable[Mapping[str, Any]]
    ) -> None:
        """Preload a thread: the parent (ts == thread_ts) and replies, as conversations.replies
        returns them. The parent is also added to the channel history when missing."""
        with self._lock:
            stored = [self._as_message(m) for m in messages]
            for m in stored:
                m.setdefault("thread_ts", thread_ts)
            stored.sort(key=lambda m: _ts_key(m.get("ts")))
            self._threads[(channel, thread_ts)] = stored
            history = self._history.setdefault(channel, [])
            parent = next((m for m in stored if m.get("ts") == thread_ts), None)
            if parent is not None and not any(m.get("ts") == thread_ts for m in history):
                history.append(parent)
                history.sort(key=lambda m: _ts_key(m.get("ts")))

    def set_user(self, user_id: str, **fields: Any) -> None:
        """What `users.info` answers for `user_id` (merged over a synthesised user)."""
        with self._lock:
            self._users[user_id] = {**self._default_user(user_id), **fields, "id": user_id}

    def set_group_members(self, group_id: str, users: Iterable[str]) -> None:
        """What `usergroups.users.list(usergroup=group_id)` answers."""
        with self._lock:
            self._groups[group_id] = list(users)

    # ---- request handling (server threads)

    def _handle(self, http_method: str, target: str, headers: dict[str, str], raw: bytes) -> _Reply:
        parts = urlsplit(target)
        path = parts.path
        if path.startswith("/api/response_url/"):
            method = "response_url"
        elif path.startswith("/upload/"):
            method = "upload"
        elif path.startswith("/api/") and len(path) > 5:
            method = path[5:].strip("/")
        else:
            return _Reply(404, "slack_stub: not found")
        try:
            body, encoding = _parse_args(parts.query, headers, raw)
        except (ValueError, UnicodeDecodeError) as exc:
            body, encoding = {"_unparsed": raw.decode("utf-8", "replace")}, "invalid"
            with self._lock:
                self.errors.append(exc)
        call = Call(
            method=method,
            body=body,
            headers=headers,
            time=time.monotonic(),
            http_method=http_method,
            path=path,
            encoding=encoding,
            raw=raw,
        )
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
        reply = self._answer(call)
        with self._changed:
            call.status = reply.status
            call.response = reply.body
            self._changed.notify_all()
        return reply

    def _answer(self, call: Call) -> _Reply:
        method = call.method
        if method not in ("response_url", "upload") and not self._token_ok(call.token):
            return _Reply(200, {"ok": False, "error": "invalid_auth"})
        while True:
            with self._lock:
                planned = self._next_plan(method)
                wakeup = self._wakeup
            if planned is None:
                break
            if planned.kind == "slow":
                wakeup.wait(planned.delay)
                continue
            return self._planned_reply(method, planned)
        if method == "response_url":
            return _Reply(200, "ok")
        if method == "upload":
            return _Reply(200, f"OK - {len(call.raw)}")
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        try:
            with self._lock:
                result = handler(call.body) if handler is not None else {}
        except SlackApiStubError as exc:
            return _Reply(200, {"ok": False, "error": exc.error, **exc.extra})
        except Exception as exc:
            with self._lock:
                self.errors.append(exc)
            return _Reply(500, {"ok": False, "error": f"slack_stub_error: {exc!r}"})
        return _Reply(200, {"ok": True, **result})

    def _next_plan(self, method: str) -> _Planned | None:
        for key in (method, "*"):
            queue = self._plans.get(key)
            if queue:
                return queue.popleft()
        return None

    @staticmethod
    def _planned_reply(method: str, planned: _Planned) -> _Reply:
        if planned.kind == "respond":
            return _Reply(planned.status, planned.body, planned.headers)
        if planned.kind == "ratelimit":
            return _Reply(
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(planned.retry_after)},
            )
        if method == "response_url":
            # Slack's response_url answers errors as text with a 4xx (e.g. 404 expired_url).
            status = planned.status if planned.kind == "server_error" else 404
            return _Reply(status, planned.error)
        return _Reply(planned.status, {"ok": False, "error": planned.error})

    def _token_ok(self, token: str | None) -> bool:
        if not token:
            return False
        if self.valid_tokens is not None:
            return token in self.valid_tokens
        return token.startswith(("xoxb-", "xoxp-"))

    # ---- helpers for handlers (called with the lock held)

    def _next_ts(self) -> str:
        n = next(self._ts_numbers)
        return f"{TS_BASE + n // 1_000_000}.{n % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    @staticmethod
    def _as_message(m: Mapping[str, Any]) -> JsonDict:
        message = dict(m)
        message.setdefault("type", "message")
        return message

    @staticmethod
    def _default_user(user_id: str) -> JsonDict:
        is_bot = user_id == BOT_USER_ID
        name = BOT_NAME if is_bot else f"user-{user_id.lower()}"
        real_name = "ClubOS Tickets" if is_bot else f"User {user_id}"
        return {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": is_bot,
            "is_admin": False,
            "tz": "America/New_York",
            "tz_label": "Eastern Standard Time",
            "tz_offset": -18000,
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "email": None if is_bot else f"{user_id.lower()}@example.com",
                "image_48": "https://example.invalid/avatar.png",
            },
        }

    @staticmethod
    def _channel_for(channel: Any) -> str:
        if not isinstance(channel, str) or not channel:
            raise SlackApiStubError("channel_not_found")
        if channel[0] in "UW":  # posting to a user id opens the DM
            return "D" + channel[1:]
        return channel

    def _find_message(self, channel: str, ts: str) -> JsonDict | None:
        for m in self._history.get(channel, []):
            if m.get("ts") == ts:
                return m
        for (c, _), messages in self._threads.items():
            if c == channel:
                for m in messages:
                    if m.get("ts") == ts:
                        return m
        return None

    def _render(self, channel: str, m: JsonDict, with_metadata: bool) -> JsonDict:
        out = dict(m)
        if not with_metadata:
            out.pop("metadata", None)
        reactions = self._reactions.get((channel, str(m.get("ts"))), {})
        if any(reactions.values()):
            out["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in reactions.items()
                if users
            ]
        return out

    @staticmethod
    def _page(items: list[JsonDict], args: Mapping[str, Any]) -> JsonDict:
        try:
            limit = int(args.get("limit") or 100)
            start = int(str(args.get("cursor") or "next_0").removeprefix("next_"))
        except ValueError as exc:
            raise SlackApiStubError("invalid_cursor") from exc
        limit = max(1, min(limit, 1000))
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": f"next_{start + limit}" if more else ""},
        }

    @staticmethod
    def _window(items: list[JsonDict], args: Mapping[str, Any]) -> list[JsonDict]:
        inclusive = _truthy(args.get("inclusive"))
        oldest = args.get("oldest")
        latest = args.get("latest")
        out = []
        for m in items:
            ts = _ts_key(m.get("ts"))
            if oldest not in (None, "") and (
                ts < _ts_key(oldest) or (ts == _ts_key(oldest) and not inclusive)
            ):
                continue
            if latest not in (None, "") and (
                ts > _ts_key(latest) or (ts == _ts_key(latest) and not inclusive)
            ):
                continue
            out.append(m)
        return out

    def _message_from_args(self, args: Mapping[str, Any], ts: str) -> JsonDict:
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

    def _view_from_args(
        self, args: Mapping[str, Any], view_id: str, previous: JsonDict | None = None
    ) -> JsonDict:
        view = args.get("view")
        if not isinstance(view, dict):
            raise SlackApiStubError("invalid_arguments", response_metadata={"messages": ["view"]})
        root = (previous or {}).get("root_view_id") or view_id
        return {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            **view,
            "id": view_id,
            "team_id": TEAM_ID,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
            "app_installed_team_id": TEAM_ID,
            "state": {"values": {}},
            "hash": f"{TS_BASE}.{view_id}",
            "root_view_id": root,
            "previous_view_id": None,
        }

    # ---- Web API methods (called with the lock held; return the answer without "ok")

    def _m_api_test(self, args: JsonDict) -> JsonDict:
        return {"args": args}

    def _m_auth_test(self, args: JsonDict) -> JsonDict:
        return {
            "url": WORKSPACE_URL,
            "team": TEAM_NAME,
            "user": BOT_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _m_chat_postMessage(self, args: JsonDict) -> JsonDict:
        channel = self._channel_for(args.get("channel"))
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            raise SlackApiStubError("no_text")
        ts = self._next_ts()
        message = self._message_from_args(args, ts)
        thread_ts = args.get("thread_ts")
        if thread_ts:
            thread = self._threads.get((channel, thread_ts))
            if thread is None:
                parent = next(
                    (m for m in self._history.get(channel, []) if m.get("ts") == thread_ts), None
                )
                thread = self._threads[(channel, thread_ts)] = [parent] if parent else []
            thread.append(message)
            if _truthy(args.get("reply_broadcast")):
                self._history.setdefault(channel, []).append(message)
        else:
            self._history.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": ts, "message": dict(message)}

    def _m_chat_update(self, args: JsonDict) -> JsonDict:
        channel = self._channel_for(args.get("channel"))
        ts = args.get("ts")
        if not ts:
            raise SlackApiStubError("message_not_found")
        message = self._find_message(channel, ts)
        update = self._message_from_args(args, ts)
        update["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        if message is not None:
            for key in ("text", "blocks", "attachments", "metadata"):
                if key in args:
                    message[key] = args[key]
            message["edited"] = update["edited"]
            update = message
        return {
            "channel": channel,
            "ts": ts,
            "text": update.get("text", ""),
            "message": dict(update),
        }

    def _m_chat_delete(self, args: JsonDict) -> JsonDict:
        channel = self._channel_for(args.get("channel"))
        ts = args.get("ts")
        self._history[channel] = [m for m in self._history.get(channel, []) if m.get("ts") != ts]
        for key, messages in self._threads.items():
            if key[0] == channel:
                messages[:] = [m for m in messages if m.get("ts") != ts]
        return {"channel": channel, "ts": ts}

    def _m_chat_postEphemeral(self, args: JsonDict) -> JsonDict:
        channel = self._channel_for(args.get("channel"))
        if not args.get("user"):
            raise SlackApiStubError("user_not_in_channel")
        ts = self._next_ts()
        self._ephemeral.append(
            {**self._message_from_args(args, ts), "channel": channel, "to": args["user"]}
        )
        return {"message_ts": ts}

    def _m_chat_getPermalink(self, args: JsonDict) -> JsonDict:
        channel = self._channel_for(args.get("channel"))
        ts = args.get("message_ts")
        if not ts:
            raise SlackApiStubError("message_not_found")
        link = f"{WORKSPACE_URL}archives/{channel}/p{str(ts).replace('.', '')}"
        message = self._find_message(channel, ts)
        thread_ts = message.get("thread_ts") if message else None
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def _m_conversations_history(self, args: JsonDict) -> JsonDict:
        channel = self._channel_for(args.get("channel"))
        with_metadata = _truthy(args.get("include_all_metadata"))
        items = self._window(self._history.get(channel, []), args)
        items = [self._render(channel, m, with_metadata) for m in reversed(items)]
        return self._page(items, args)

    def _m_conversations_replies(self, args: JsonDict) -> JsonDict:
        channel = self._channel_for(args.get("channel"))
        ts = args.get("ts")
        if not ts:
            raise SlackApiStubError("thread_not_found")
        thread = self._threads.get((channel, ts))
        if thread is None:
            # Like Slack, the ts of a reply also names its thread.
            thread = next(
                (
                    msgs
                    for (ch, _), msgs in self._threads.items()
                    if ch == channel and any(m.get("ts") == ts for m in msgs)
                ),
                None,
            )
        if thread is None:
            parent = next((m for m in self._history.get(channel, []) if m.get("ts") == ts), None)
            if parent is None:
                raise SlackApiStubError("thread_not_found")
            thread = [parent]
        with_metadata = _truthy(args.get("include_all_metadata"))
        items = [self._render(channel, m, with_metadata) for m in self._window(thread, args)]
        return self._page(items, args)

    def _m_conversations_open(self, args: JsonDict) -> JsonDict:
        users = str(args.get("users") or "").split(",")
        if args.get("channel"):
            return {"channel": {"id": args["channel"]}}
        if not users[0]:
            raise SlackApiStubError("users_list_not_supplied")
        return {"channel": {"id": self._channel_for(users[0])}}

    def _m_conversations_info(self, args: JsonDict) -> JsonDict:
        channel = self._channel_for(args.get("channel"))
        return {
            "channel": {
                "id": channel,
                "name": channel.lower(),
                "is_channel": channel.startswith("C"),
                "is_im": channel.startswith("D"),
                "is_member": True,
            }
        }

    def _m_views_open(self, args: JsonDict) -> JsonDict:
        if not args.get("trigger_id") and not args.get("interactivity_pointer"):
            raise SlackApiStubError("invalid_arguments")
        view = self._view_from_args(args, self._next_id("V"))
        self._views[view["id"]] = view
        return {"view": dict(view)}

    def _m_views_push(self, args: JsonDict) -> JsonDict:
        if not args.get("trigger_id") and not args.get("interactivity_pointer"):
            raise SlackApiStubError("invalid_arguments")
        previous = next(reversed(self._views.values()), None)
        view = self._view_from_args(args, self._next_id("V"), previous)
        view["previous_view_id"] = previous["id"] if previous else None
        self._views[view["id"]] = view
        return {"view": dict(view)}

    def _m_views_update(self, args: JsonDict) -> JsonDict:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and external_id:
            view_id = next(
                (v["id"] for v in self._views.values() if v.get("external_id") == external_id),
                None,
            )
            if view_id is None:
                raise SlackApiStubError("not_found")
        if not view_id:
            raise SlackApiStubError("invalid_arguments")
        previous = self._views.get(view_id)
        view = self._view_from_args(args, view_id, previous)
        if previous is not None:
            view["previous_view_id"] = previous.get("previous_view_id")
        self._views[view_id] = view
        return {"view": dict(view)}

    def _m_views_publish(self, args: JsonDict) -> JsonDict:
        user_id = args.get("user_id")
        if not user_id:
            raise SlackApiStubError("invalid_arguments")
        previous = self._home.get(user_id)
        view_id = previous["id"] if previous else self._next_id("V")
        view = self._view_from_args(args, view_id)
        view.setdefault("type", "home")
        self._home[user_id] = view
        return {"view": dict(view)}

    def _reaction_key(self, args: JsonDict) -> tuple[tuple[str, str], str]:
        channel = self._channel_for(args.get("channel"))
        ts = args.get("timestamp")
        name = args.get("name")
        if not ts:
            raise SlackApiStubError("no_item_specified")
        if not name:
            raise SlackApiStubError("invalid_name")
        return (channel, str(ts)), str(name)

    def _m_reactions_add(self, args: JsonDict) -> JsonDict:
        key, name = self._reaction_key(args)
        users = self._reactions.setdefault(key, {}).setdefault(name, [])
        if BOT_USER_ID in users:
            raise SlackApiStubError("already_reacted")
        users.append(BOT_USER_ID)
        return {}

    def _m_reactions_remove(self, args: JsonDict) -> JsonDict:
        key, name = self._reaction_key(args)
        users = self._reactions.get(key, {}).get(name, [])
        if BOT_USER_ID not in users:
            raise SlackApiStubError("no_reaction")
        users.remove(BOT_USER_ID)
        return {}

    def _m_users_info(self, args: JsonDict) -> JsonDict:
        user_id = args.get("user")
        if not user_id:
            raise SlackApiStubError("user_not_found")
        return {"user": dict(self._users.get(user_id) or self._default_user(user_id))}

    def _m_usergroups_users_list(self, args: JsonDict) -> JsonDict:
        group = args.get("usergroup")
        if group not in self._groups:
            raise SlackApiStubError("no_such_subteam")
        return {"users": list(self._groups[group])}

    def _file(self, file_id: str, name: str, title: str | None = None) -> JsonDict:
        return {
            "id": file_id,
            "name": name,
            "title": title or name,
            "user": BOT_USER_ID,
            "permalink": f"{WORKSPACE_URL}files/{BOT_USER_ID}/{file_id}/{name}",
        }

    def _m_files_upload(self, args: JsonDict) -> JsonDict:
        name = str(args.get("filename") or "file")
        return {"file": self._file(self._next_id("F"), name, args.get("title"))}

    def _m_files_getUploadURLExternal(self, args: JsonDict) -> JsonDict:
        if not args.get("filename") or args.get("length") in (None, ""):
            raise SlackApiStubError("invalid_arguments")
        file_id = self._next_id("F")
        return {"file_id": file_id, "upload_url": f"{self.root_url}upload/v1/{file_id}"}

    def _m_files_completeUploadExternal(self, args: JsonDict) -> JsonDict:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise SlackApiStubError("invalid_arguments")
        return {
            "files": [
                self._file(f["id"], str(f.get("title") or f["id"]), f.get("title")) for f in files
            ]
        }


@pytest.fixture(name="slack_stub")
def slack_stub_fixture() -> Iterator[SlackStub]:
    """Fixture `slack_stub`: a started `SlackStub`, closed after the test.

    Fails the test at teardown when the stub itself hit errors (a bug in a handler,
    an unparsable body), which would otherwise only show up as a 500 in the app.
    """
    with SlackStub() as stub:
        yield stub
        if stub.errors:
            raise AssertionError(f"slack_stub: errors while answering: {stub.errors!r}")


#: The same fixture under its own name. Importing `slack_stub_fixture` into a test module
#: avoids ruff F811 (a test parameter named like an imported name); `pytest_plugins =
#: ["tests.support.slack_stub"]` in the root conftest makes it available everywhere.
slack_stub = slack_stub_fixture
