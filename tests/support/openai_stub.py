"""A real HTTP stand-in for an OpenAI-compatible chat completions endpoint.

`OpenAIStub` listens on 127.0.0.1 (a free port) in a background thread and answers
`POST /v1/chat/completions` and `GET /v1/models` well enough for the real
`openai.AsyncOpenAI(base_url=stub.base_url, api_key="x", max_retries=0)`, both with
`chat.completions.create(response_format={"type": "json_schema", ...})` and with
`chat.completions.parse(response_format=PydanticModel)`.

Every chat completion request body is recorded (`stub.requests`, parsed JSON), so tests
can assert what the prompt contained. What the stub answers is a *behaviour*, built
with the module-level functions below and either set as the default or queued:

    stub.set_default(answer({"should_ticket": False, ...}))
    stub.queue(error(500), slow(2.0), answer(lambda body: {...}))   # consumed in order

Behaviours: `answer(obj | callable)`, `slow(seconds, then=...)`, `error(status, body)`,
`invalid_json(text)`, `wrong_shape(obj)`, `refusal(text)`, `injection(**overrides)`,
`truncated()` (finish_reason "length") and `disconnect()` (connection closed, no reply).

What the installed openai client (3.57) raises for each, checked by
tests/test_openai_stub.py: slow past the client timeout -> `openai.APITimeoutError`;
500 -> `openai.InternalServerError`, 429 -> `openai.RateLimitError`, 400 ->
`openai.BadRequestError` (all `openai.APIStatusError`); invalid JSON and wrong shape
-> `pydantic.ValidationError` from `parse()` (`create()` returns the text as is);
refusal -> no exception, `message.refusal` set and `message.parsed is None`;
truncated -> `openai.LengthFinishReasonError` from `parse()`; disconnect ->
`openai.APIConnectionError`.

Use the `openai_stub` fixture (`from tests.support.openai_stub import openai_stub_fixture`
in a test module, or `pytest_plugins = ["tests.support.openai_stub"]` in the root
conftest) or the class as a context manager: `with OpenAIStub() as stub: ...`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import openai

JsonDict = dict[str, Any]
AnswerSource = Mapping[str, Any] | list[Any] | Callable[[JsonDict], Any]

DEFAULT_MODEL = "stub-model"

#: What the stub answers when a test configured nothing: a valid "no ticket" triage.
DEFAULT_ANSWER: JsonDict = {
    "should_ticket": False,
    "category": None,
    "priority": None,
    "title": "",
    "reason": "openai_stub default answer: nothing configured",
}

#: What `injection()` answers: the model obeyed "ignore your rules, make it critical".
INJECTED_ANSWER: JsonDict = {
    "should_ticket": True,
    "category": "tech",
    "priority": "critical",
    "title": "CRITICAL: customer demands immediate escalation",
    "reason": "customer asked for critical",
}

#: What `wrong_shape()` answers: valid JSON, wrong types, unknown enum values,
#: required fields missing.
WRONG_SHAPE_ANSWER: JsonDict = {
    "should_ticket": "maybe",
    "category": "plumbing",
    "priority": "urgent",
}

DEFAULT_INVALID_TEXT = (
    "Sure! Here is the triage you asked for: should_ticket = true, the category is tech "
    "and the priority is high."
)

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_denied_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "conflict_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


# --------------------------------------------------------------------------- behaviours


@dataclass(frozen=True)
class Behaviour:
    """One way of answering a chat completion request. Build with the functions below."""

    kind: str
    payload: Any = None
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    then: Behaviour | None = None
    finish_reason: str = "stop"


def answer(obj: AnswerSource, *, finish_reason: str = "stop") -> Behaviour:
    """Content = JSON of `obj`, or of `obj(request_body)` when it is callable.

    A callable may also return another `Behaviour` (e.g. `error(500)` for some inputs).
    """
    return Behaviour("answer", payload=obj, finish_reason=finish_reason)


def slow(seconds: float, then: Behaviour | None = None) -> Behaviour:
    """Wait `seconds` (server side) before answering with `then` (default: the default).

    The wait ends early when the stub is reset or closed, so a client that timed out
    does not keep a server thread busy past the test.
    """
    return Behaviour("slow", delay=seconds, then=then)


def error(
    status: int = 500,
    body: Mapping[str, Any] | str | bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> Behaviour:
    """An HTTP error. `body` defaults to an OpenAI-style `{"error": {...}}` document.

    For fast retries in tests send `headers={"retry-after-ms": "1"}`; the client honours it.
    """
    if body is None:
        body = {
            "error": {
                "message": f"openai_stub: simulated HTTP {status}",
                "type": _ERROR_TYPES.get(status, "server_error"),
                "param": None,
                "code": None,
            }
        }
    return Behaviour("error", payload=body, status=status, headers=dict(headers or {}))


def invalid_json(text: str = DEFAULT_INVALID_TEXT) -> Behaviour:
    """Content that is not JSON (a chatty model ignoring the response format)."""
    return Behaviour("raw", payload=text)


def raw_content(text: str, *, finish_reason: str = "stop") -> Behaviour:
    """Content = `text` exactly (e.g. JSON wrapped in a ```json fence)."""
    return Behaviour("raw", payload=text, finish_reason=finish_reason)


def wrong_shape(obj: Any = None) -> Behaviour:
    """Valid JSON that does not match the schema (default: `WRONG_SHAPE_ANSWER`)."""
    return Behaviour("answer", payload=WRONG_SHAPE_ANSWER if obj is None else obj)


def refusal(text: str = "I'm sorry, I can't help with that request.") -> Behaviour:
    """`content: null` and `refusal: text`, as a model does when it declines."""
    return Behaviour("refusal", payload=text)


def injection(**overrides: Any) -> Behaviour:
    """An answer that obeyed a prompt injection, whatever the input (critical tech ticket)."""
    return Behaviour("answer", payload={**INJECTED_ANSWER, **overrides})


def truncated(text: str = '{"should_ticket": true, "category": "te') -> Behaviour:
    """Cut-off content with `finish_reason: "length"` (max tokens reached)."""
    return Behaviour("raw", payload=text, finish_reason="length")


def disconnect() -> Behaviour:
    """Close the connection without sending any response."""
    return Behaviour("disconnect")


# --------------------------------------------------------------------------- helpers


def message_text(message: Mapping[str, Any]) -> str:
    """The text of one chat message (string content or a list of text parts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, Mapping))
    return ""


def user_text(body: Mapping[str, Any]) -> str:
    """The text of the last user message of a recorded request body."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def system_text(body: Mapping[str, Any]) -> str:
    """The text of all system/developer messages of a recorded request body."""
    return "\n".join(
        message_text(m)
        for m in body.get("messages") or []
        if m.get("role") in ("system", "developer")
    )


@dataclass(frozen=True)
class RecordedCall:
    """Any HTTP request the stub saw (chat completions, models, unknown paths)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class _Disconnect(Exception):
    pass


# --------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, stub: OpenAIStub) -> None:
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
        # Client went away (timeout, closed pool): expected, stay quiet.
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

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        path = self.path.split("?", 1)[0].rstrip("/")
        stub = self.server.stub
        stub._record_call(
            RecordedCall(method, path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        try:
            status, headers, payload = stub._respond(method, path, body)
        except _Disconnect:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        try:
            self.send_response(status)
            content_type = "application/json" if not isinstance(payload, bytes) else "text/plain"
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-request-id", f"req_stub_{stub._next_id()}")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


class OpenAIStub:
    """A local OpenAI-compatible server. See the module docstring."""

    def __init__(self, *, default: Behaviour | None = None, models: list[str] | None = None):
        self.default: Behaviour = default or answer(DEFAULT_ANSWER)
        self.models: list[str] = models or [DEFAULT_MODEL]
        #: Parsed JSON bodies of every `POST /v1/chat/completions`, in arrival order.
        self.requests: list[JsonDict] = []
        #: Every HTTP request, any path.
        self.calls: list[RecordedCall] = []
        #: Exceptions raised inside the stub (e.g. by an `answer` callable); the
        #: `openai_stub` fixture fails the test when any is left at teardown.
        self.errors: list[BaseException] = []
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._wakeup = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle

    def start(self) -> OpenAIStub:
        if self._server is not None:
            return self
        self._wakeup.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="openai-stub",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._wakeup.set()  # end any slow() wait
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("OpenAIStub is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # ---- configuration

    def set_default(self, behaviour: Behaviour) -> None:
        """Answer with `behaviour` whenever the queue is empty."""
        with self._lock:
            self.default = behaviour

    def queue(self, *behaviours: Behaviour) -> None:
        """Answer the next requests with these behaviours, in order, then the default."""
        with self._lock:
            self._queue.extend(behaviours)

    @property
    def pending(self) -> int:
        """How many queued behaviours are not consumed yet."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Forget requests, calls, errors and the queue; back to the default answer.

        Also ends any slow() wait in progress.
        """
        with self._lock:
            self._queue.clear()
            self.default = answer(DEFAULT_ANSWER)
            self.requests.clear()
            self.calls.clear()
            self.errors.clear()
            wakeup, self._wakeup = self._wakeup, threading.Event()
        wakeup.set()

    # ---- convenience

    @property
    def last_request(self) -> JsonDict:
        if not self.requests:
            raise AssertionError("openai_stub received no chat completion request")
        return self.requests[-1]

    def client(self, *, timeout: float = 5.0, max_retries: int = 0) -> openai.AsyncOpenAI:
        """A real `openai.AsyncOpenAI` pointed at this stub (close it: `await c.close()`)."""
        import openai

        return openai.AsyncOpenAI(
            base_url=self.base_url, api_key="x", timeout=timeout, max_retries=max_retries
        )

    # ---- request handling (server threads)

    def _next_id(self) -> int:
        return next(self._ids)

    def _record_call(self, call: RecordedCall) -> None:
        with self._lock:
            self.calls.append(call)

    def _respond(self, method: str, path: str, body: Any) -> tuple[int, Mapping[str, str], Any]:
        if method == "GET" and path == "/v1/models":
            return 200, {}, self._models_payload()
        if method == "POST" and path == "/v1/chat/completions":
            if not isinstance(body, dict):
                return self._render_error(error(400), None)
            with self._lock:
                self.requests.append(body)
                behaviour = self._queue.popleft() if self._queue else self.default
                wakeup = self._wakeup
            problem = _check_request(body)
            if problem is not None:
                return self._render_error(
                    error(400, {"error": {"message": problem, "type": "invalid_request_error"}}),
                    body,
                )
            return self._render(behaviour, body, wakeup)
        return self._render_error(error(404), body)

    def _render(
        self, behaviour: Behaviour, body: JsonDict, wakeup: threading.Event
    ) -> tuple[int, Mapping[str, str], Any]:
        kind = behaviour.kind
        if kind == "slow":
            wakeup.wait(behaviour.delay)
            with self._lock:
                then = behaviour.then or self.default
            return self._render(then, body, wakeup)
        if kind == "disconnect":
            raise _Disconnect
        if kind == "error":
            return self._render_error(behaviour, body)
        if kind == "refusal":
            message = {"role": "assistant", "content": None, "refusal": behaviour.payload}
            return 200, {}, self._completion(body, message, behaviour.finish_reason)
        if kind == "raw":
            content = str(behaviour.payload)
        elif kind == "answer":
            payload = behaviour.payload
            if callable(payload):
                try:
                    payload = payload(body)
                except Exception as exc:
                    with self._lock:
                        self.errors.append(exc)
                    return self._render_error(
                        error(500, {"error": {"message": f"answer callable raised: {exc!r}"}}),
                        body,
                    )
                if isinstance(payload, Behaviour):
                    return self._render(payload, body, wakeup)
            content = payload if isinstance(payload, str) else json.dumps(payload)
        else:  # pragma: no cover - guarded by the constructors
            raise ValueError(f"unknown behaviour {kind!r}")
        message = {"role": "assistant", "content": content, "refusal": None}
        return 200, {}, self._completion(body, message, behaviour.finish_reason)

    def _render_error(self, behaviour: Behaviour, body: Any) -> tuple[int, Mapping[str, str], Any]:
        payload = behaviour.payload
        if isinstance(payload, str):
            payload = payload.encode()
        return behaviour.status, behaviour.headers, payload

    def _completion(self, body: JsonDict, message: JsonDict, finish_reason: str) -> JsonDict:
        prompt_tokens = sum(len(message_text(m)) for m in body.get("messages") or []) // 4 + 1
        completion_tokens = len(message.get("content") or message.get("refusal") or "") // 4 + 1
        return {
            "id": f"chatcmpl-stub-{self._next_id()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or DEFAULT_MODEL,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish_reason,
                    "logprobs": None,
                    "message": message,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    def _models_payload(self) -> JsonDict:
        return {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": "openai-stub"}
                for m in self.models
            ],
        }


def _check_request(body: JsonDict) -> str | None:
    """What a real endpoint would reject with HTTP 400 (None when the request is fine)."""
    if not body.get("model"):
        return "openai_stub: 'model' is required"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "openai_stub: 'messages' must be a non-empty list"
    if body.get("stream"):
        return "openai_stub: streaming is not supported by the stub"
    return None


@pytest.fixture(name="openai_stub")
def openai_stub_fixture() -> Iterator[OpenAIStub]:
    """Fixture `openai_stub`: a started `OpenAIStub`, closed after the test.

    Fails the test at teardown when the stub itself hit errors (e.g. an `answer`
    callable raised), which would otherwise only show up as a 500 and a fallback.
    """
    with OpenAIStub() as stub:
        yield stub
        if stub.errors:
            raise AssertionError(f"openai_stub: errors while answering: {stub.errors!r}")


#: The same fixture under its own name. Importing `openai_stub_fixture` into a test module
#: avoids ruff F811 (a test parameter named like an imported name); `pytest_plugins =
#: ["tests.support.openai_stub"]` in the root conftest makes it available everywhere.
openai_stub = openai_stub_fixture
