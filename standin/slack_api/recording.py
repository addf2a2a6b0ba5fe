"""Every request the Slack stub receives, recorded as a `Call`, and the ways a test looks
at them or waits for them (the app works after `ack()`, so tests poll)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from standin.http_server import HttpStub, StubReply
from standin.slack_api.identity import JsonDict


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


class RecordingStub(HttpStub):
    """An `HttpStub` that records `Call`s; the Slack stub extends it."""

    def __init__(self) -> None:
        super().__init__()
        self._changed = threading.Condition(self._lock)
        self._calls: list[Call] = []

    def _record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def _record_reply(self, call: Call, reply: StubReply) -> None:
        with self._changed:
            call.status = reply.status
            call.response = reply.body
            self._changed.notify_all()

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
