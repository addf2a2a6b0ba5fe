"""The faults a test plans for the Slack stand-in: queued per method (`fail_next`, ...) or
drawn at random (`fail_randomly`). `SlackStub` answers with them before doing the work."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from standin.slack_api.faults import FaultPlan, Planned, RandomFaults
from standin.slack_api.recording import RecordingStub


class FaultControls(RecordingStub):
    def __init__(self) -> None:
        super().__init__()
        self._faults = FaultPlan()
        self._random_faults: RandomFaults | None = None

    def _plan(self, method: str, planned: Planned, times: int) -> None:
        with self._lock:
            self._faults.add(method, planned, times)

    def fail_next(self, method: str, error: str = "channel_not_found", times: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP 200 `{"ok": false, "error": error}`."""
        self._plan(method, Planned("fail", error=error), times)

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls answer HTTP 429 + `Retry-After`, body error `ratelimited`."""
        self._plan(method, Planned("ratelimit", status=429, retry_after=retry_after), times)

    def server_error_next(
        self, method: str, status: int = 500, times: int = 1, error: str = "internal_error"
    ) -> None:
        """The next `times` calls answer HTTP `status` with `{"ok": false, "error": error}`."""
        self._plan(method, Planned("server_error", status=status, error=error), times)

    def slow_next(self, method: str, seconds: float, times: int = 1) -> None:
        """The next `times` calls wait `seconds` (server side) before being answered normally.

        The wait ends early on `reset()` / `close()`.
        """
        self._plan(method, Planned("slow", delay=seconds), times)

    def respond_next(
        self,
        method: str,
        body: Any,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls answer exactly `body` (dict -> JSON, str -> text)."""
        planned = Planned("respond", status=status, body=body, headers=dict(headers or {}))
        self._plan(method, planned, times)

    def fail_randomly(
        self,
        rate: float,
        *,
        seed: int = 0,
        late_seconds: float = 2.0,
        methods: Iterable[str] | None = None,
    ) -> None:
        """From now on a share `rate` of calls (of `methods`, default all) fails at random,
        each one of: 429 with Retry-After 1, a 500, or "late" (the call takes effect, the
        answer comes `late_seconds` later: a client with a shorter timeout cannot tell
        whether it did). `rate=0` stops it. After the planned faults, before the answer."""
        with self._lock:
            self._random_faults = (
                RandomFaults(rate, seed, late_seconds, None if methods is None else set(methods))
                if rate > 0
                else None
            )

    def pending(self, method: str | None = None) -> int:
        """How many queued faults/answers are not consumed yet."""
        with self._lock:
            return self._faults.pending(method)

    def _take_planned(self, method: str) -> Planned | None:
        """The next planned fault for `method`, after sitting out any planned slowness."""
        while True:
            with self._lock:
                planned = self._faults.take(method)
                wakeup = self._wakeup
            if planned is None or planned.kind != "slow":
                return planned
            wakeup.wait(planned.delay)

    def _draw_random(self, method: str) -> Planned | None:
        with self._lock:
            return None if self._random_faults is None else self._random_faults.draw(method)
