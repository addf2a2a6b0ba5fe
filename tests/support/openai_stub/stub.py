"""`OpenAIStub`: the OpenAI-compatible stand-in (see the package docstring)."""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from standin.http_server import DropConnection, HttpStub, StubReply, StubRequest
from tests.support.openai_stub.behaviours import (
    DEFAULT_ANSWER,
    DEFAULT_MODEL,
    Behaviour,
    JsonDict,
    answer,
    error,
)
from tests.support.openai_stub.documents import completion, model_list, request_problem

if TYPE_CHECKING:
    import openai


@dataclass(frozen=True)
class RecordedCall:
    """Any HTTP request the stub saw (chat completions, models, unknown paths)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class OpenAIStub(HttpStub):
    """A local OpenAI-compatible server. See the package docstring."""

    thread_name = "openai-stub"

    def __init__(self, *, default: Behaviour | None = None, models: list[str] | None = None):
        super().__init__()
        self.default: Behaviour = default or answer(DEFAULT_ANSWER)
        self.models: list[str] = models or [DEFAULT_MODEL]
        #: Parsed JSON bodies of every `POST /v1/chat/completions`, in arrival order.
        self.requests: list[JsonDict] = []
        #: Every HTTP request, any path.
        self.calls: list[RecordedCall] = []
        self._queue: deque[Behaviour] = deque()
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        return f"{self.root_url}v1"

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
        self._end_waits()

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

    def handle(self, request: StubRequest) -> StubReply:
        try:
            body: Any = json.loads(request.raw) if request.raw else None
        except ValueError:
            body = request.raw.decode("utf-8", "replace")
        path = request.target.split("?", 1)[0].rstrip("/")
        with self._lock:
            self.calls.append(RecordedCall(request.http_method, path, request.headers, body))
        reply = self._respond(request.http_method, path, body)
        request_id = {"x-request-id": f"req_stub_{self._next_id()}"}
        return StubReply(reply.status, reply.body, {**request_id, **reply.headers})

    def _next_id(self) -> int:
        return next(self._ids)

    def _respond(self, method: str, path: str, body: Any) -> StubReply:
        if method == "GET" and path == "/v1/models":
            return StubReply(200, model_list(self.models))
        if method == "POST" and path == "/v1/chat/completions":
            return self._chat_completion(body)
        return _error_reply(error(404))

    def _chat_completion(self, body: Any) -> StubReply:
        if not isinstance(body, dict):
            return _error_reply(error(400))
        with self._lock:
            self.requests.append(body)
            behaviour = self._queue.popleft() if self._queue else self.default
            wakeup = self._wakeup
        problem = request_problem(body)
        if problem is not None:
            invalid = {"error": {"message": problem, "type": "invalid_request_error"}}
            return _error_reply(error(400, invalid))
        return self._render(behaviour, body, wakeup)

    def _render(self, behaviour: Behaviour, body: JsonDict, wakeup: threading.Event) -> StubReply:
        kind = behaviour.kind
        if kind == "slow":
            wakeup.wait(behaviour.delay)
            with self._lock:
                then = behaviour.then or self.default
            return self._render(then, body, wakeup)
        if kind == "disconnect":
            raise DropConnection
        if kind == "error":
            return _error_reply(behaviour)
        if kind == "refusal":
            message = {"role": "assistant", "content": None, "refusal": behaviour.payload}
            return self._completion(body, message, behaviour.finish_reason)
        if kind == "raw":
            return self._content(str(behaviour.payload), body, behaviour.finish_reason)
        if kind == "answer":
            return self._render_answer(behaviour, body, wakeup)
        raise ValueError(f"unknown behaviour {kind!r}")  # pragma: no cover - constructors guard

    def _render_answer(
        self, behaviour: Behaviour, body: JsonDict, wakeup: threading.Event
    ) -> StubReply:
        payload = behaviour.payload
        if callable(payload):
            try:
                payload = payload(body)
            except Exception as exc:
                self._record_error(exc)
                raised = {"error": {"message": f"answer callable raised: {exc!r}"}}
                return _error_reply(error(500, raised))
            if isinstance(payload, Behaviour):
                return self._render(payload, body, wakeup)
        content = payload if isinstance(payload, str) else json.dumps(payload)
        return self._content(content, body, behaviour.finish_reason)

    def _content(self, content: str, body: JsonDict, finish_reason: str) -> StubReply:
        message = {"role": "assistant", "content": content, "refusal": None}
        return self._completion(body, message, finish_reason)

    def _completion(self, body: JsonDict, message: JsonDict, finish_reason: str) -> StubReply:
        completion_id = f"chatcmpl-stub-{self._next_id()}"
        return StubReply(200, completion(body, message, finish_reason, completion_id))


def _error_reply(behaviour: Behaviour) -> StubReply:
    return StubReply(behaviour.status, behaviour.payload, behaviour.headers)
