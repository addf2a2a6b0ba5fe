"""Faults and canned answers a test queues for the next calls of a method (`"*"`: any
method), consumed in order: errors, rate limits, server errors, slow answers."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from standin.http_server import StubReply


@dataclass(frozen=True)
class Planned:
    """A queued answer for the next call of a method."""

    kind: str  # "fail" | "ratelimit" | "server_error" | "slow" | "respond"
    error: str = ""
    status: int = 200
    retry_after: int = 1
    delay: float = 0.0
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


#: The kinds of random fault: Slack refused the call (429 or 500, nothing done), or it did
#: the work and answered too late for the client ("late": the ambiguous one).
RANDOM_KINDS = ("ratelimit", "server_error", "late")


@dataclass
class RandomFaults:
    """A share of calls that fail at random (seeded: a failing run can be replayed)."""

    rate: float
    seed: int
    late_seconds: float
    methods: Collection[str] | None = None  # None: every method
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def draw(self, method: str) -> Planned | None:
        if self.methods is not None and method not in self.methods:
            return None
        if self._random.random() >= self.rate:
            return None
        kind = self._random.choice(RANDOM_KINDS)
        if kind == "ratelimit":
            return Planned("ratelimit", status=429, retry_after=1)
        if kind == "server_error":
            return Planned("server_error", status=500, error="internal_error")
        return Planned("late", delay=self.late_seconds)


class FaultPlan:
    """The queues per method (not thread-safe: the stub holds its lock around each use)."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Planned]] = {}

    def add(self, method: str, planned: Planned, times: int) -> None:
        self._queues.setdefault(method, deque()).extend([planned] * times)

    def take(self, method: str) -> Planned | None:
        """The next planned answer for `method`, its own queue first, then `"*"`'s."""
        for key in (method, "*"):
            queue = self._queues.get(key)
            if queue:
                return queue.popleft()
        return None

    def pending(self, method: str | None = None) -> int:
        if method is not None:
            return len(self._queues.get(method, ()))
        return sum(len(q) for q in self._queues.values())

    def clear(self) -> None:
        self._queues.clear()


def planned_reply(method: str, planned: Planned) -> StubReply:
    """What Slack answers for a planned fault (anything but "slow", which only waits)."""
    if planned.kind == "respond":
        return StubReply(planned.status, planned.body, planned.headers)
    if planned.kind == "ratelimit":
        return StubReply(
            429,
            {"ok": False, "error": "ratelimited"},
            {"Retry-After": str(planned.retry_after)},
        )
    if method == "response_url":
        # Slack's response_url answers errors as text with a 4xx (e.g. 404 expired_url).
        status = planned.status if planned.kind == "server_error" else 404
        return StubReply(status, planned.error)
    return StubReply(planned.status, {"ok": False, "error": planned.error})
