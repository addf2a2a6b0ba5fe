"""Reads at scale (issue 14): with 100,000 tickets (5% open; `--quick`: 10,000) loaded by
the real `import`, on SQLite and on PostgreSQL, the server time (p95) of

- `/ticket list`: the handler's read (Operations.list of LIST_SHOWN, Operations.count) and
  its Block Kit answer, unfiltered and filtered by status, location (an unknown one too),
  priority, assignee (`mine`) and text (the service's filter; the command has no text word);
- the App Home publish: `publish_home` up to views.publish (a client that keeps the view);
- the dashboard board: `GET /` and `GET /board/state` with each filter, signed in;
- `GET /api/tickets` with each filter (bearer API_TOKEN).

    .venv/bin/python bench/scale.py [--quick]

Board and API requests go through the ASGI app `serve` builds (httpx's ASGITransport, in
this process): no network in the time, all of the app's own work in it. Each figure is the
nearest-rank p95 of SAMPLES timings after WARM_UP untimed ones, against 50 ms.
PostgreSQL: database `bench_scale` on 127.0.0.1:5432, created and dropped here.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.runtime import Runtime, build_runtime  # noqa: E402
from app.settings import Settings  # noqa: E402
from bench import dataset  # noqa: E402
from bench.bulk import _env, on_both_databases, run_cli  # noqa: E402
from bench.figures import Figure, percentile, show  # noqa: E402
from bot.tickets.domain import Priority, Status  # noqa: E402
from bot.tickets.home import HomeFilters  # noqa: E402
from handlers.commands.parsed import ACTIVE, ListTickets  # noqa: E402
from handlers.home_tab import publish_home  # noqa: E402
from slackui.views.command import LIST_SHOWN, ticket_list  # noqa: E402

PG_DATABASE = "bench_scale"
TARGET_MS = 50.0
SAMPLES = 60
WARM_UP = 5
CONFIG = ROOT / "tests" / "data" / "clubos.test.toml"  # operator U0OP1; Bedford, Dartmouth
OPERATOR = "U0OP1"
ASSIGNEE = dataset.OPERATORS[0]
TOKEN = "bench-token"
SECRET = "bench-dashboard-secret"
UNKNOWN = "Nowhere"
TEXT = "projector"

# /ticket list as parsed: the words' ListTickets (no words: the open ones).
LISTS: dict[str, ListTickets] = {
    "unfiltered": ListTickets(statuses=ACTIVE),
    "status resolved": ListTickets(statuses=(Status.RESOLVED,), words=("resolved",)),
    "location Bedford": ListTickets(statuses=ACTIVE, locations=("Bedford",), words=("Bedford",)),
    f"location {UNKNOWN}": ListTickets(statuses=ACTIVE, locations=(UNKNOWN,), words=(UNKNOWN,)),
    "priority critical": ListTickets(
        statuses=ACTIVE, priorities=(Priority.CRITICAL,), words=("critical",)
    ),
    "all, priority critical": ListTickets(
        statuses=(), priorities=(Priority.CRITICAL,), words=("all", "critical")
    ),
    "mine": ListTickets(statuses=ACTIVE, assignee=ASSIGNEE, words=("mine",)),
}
# Query strings of the board and the read API, by what they filter.
QUERIES: dict[str, str] = {
    "unfiltered": "",
    "status": "status=open",
    "location": "location=Bedford",
    "unknown location": f"location={UNKNOWN}",
    "priority": "priority=critical",
    "category": "category=tech",
    "unassigned": "assigned=no",
    "assignee": f"assignee={ASSIGNEE}",
}
BOARD_ONLY = {
    "text": f"q={TEXT}",
    # No ticket says it: every ticket of the board's statuses is read, unless an index helps.
    "text, a word no ticket says": "q=leaking%20toilet",
    "archived, location": "archived=1&location=Bedford",
}
Timed = Callable[[], Awaitable[object]]


class KeptViews(AsyncWebClient):
    """Slack's client with views.publish answered here: the publish's own work is timed,
    not a round trip to Slack."""

    async def views_publish(self, **kwargs: Any) -> AsyncSlackResponse:
        self.published = kwargs["view"]
        data = {"ok": True}
        return AsyncSlackResponse(
            client=self,
            http_verb="POST",
            api_url="views.publish",
            req_args={},
            data=data,
            headers={},
            status_code=200,
        )


async def p95_ms(call: Timed) -> float:
    for _ in range(WARM_UP):
        await call()
    timings = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - start) * 1000)
    return percentile(timings, 0.95)


def _ticket_list(runtime: Runtime, command: ListTickets, text: str | None = None) -> Timed:
    """What the handler does for `/ticket list` (handlers/commands/ticket.py) past ack."""
    operations = runtime.operations

    async def answer() -> object:
        shown = replace(command.ticket_filter(limit=LIST_SHOWN), text=text)
        matching = await operations.count(replace(command.ticket_filter(), text=text))
        return ticket_list(await operations.list(shown), command.describe(), matching=matching)

    return answer


def _home(runtime: Runtime, filters: HomeFilters) -> Timed:
    client = KeptViews(token="xoxb-bench")
    club = runtime.settings.club
    return lambda: publish_home(client, club, runtime.operations, OPERATOR, filters)


def _get(http: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None) -> Timed:
    async def get() -> object:
        response = await http.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:200]}")
        return response

    return get


async def _figures(label: str, runtime: Runtime, http: httpx.AsyncClient) -> list[Figure]:
    timed: dict[str, Timed] = {}
    for name, command in LISTS.items():
        timed[f"/ticket list {name}"] = _ticket_list(runtime, command)
    timed[f"/ticket list text {TEXT!r}"] = _ticket_list(runtime, LISTS["unfiltered"], TEXT)
    timed["App Home publish"] = _home(runtime, HomeFilters())
    timed["App Home publish, location Bedford"] = _home(runtime, HomeFilters("Bedford"))
    for name, query in {**QUERIES, **BOARD_ONLY}.items():
        timed[f"board page {name}"] = _get(http, f"/?{query}")
        timed[f"board state {name}"] = _get(http, f"/board/state?{query}")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for name, query in {**QUERIES, "page 2": "cursor=T-50000"}.items():
        timed[f"GET /api/tickets {name}"] = _get(http, f"/api/tickets?{query}", auth)
    figures = []
    for name, call in timed.items():
        value = await p95_ms(call)
        figures.append(Figure(f"{label} {name} p95", value, "ms", TARGET_MS))
        print(f"  {figures[-1].line()}", file=sys.stderr, flush=True)  # progress
    return figures


async def measure_reads(label: str, url: str) -> list[Figure]:
    settings = Settings(
        _env_file=None,
        database_url=url,
        clubos_config=CONFIG,
        api_token=SecretStr(TOKEN),
        dashboard_secret=SecretStr(SECRET),
        slack_bot_token=None,
    )
    runtime = build_runtime(settings, slack=False)
    gc.freeze()  # as `serve` does once its runtime is built (app/server.py)
    transport = httpx.ASGITransport(app=runtime.asgi)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=runtime.dashboard_url) as http:
            assert runtime.sign_in is not None
            await http.post(f"/login/{await runtime.sign_in.issue(OPERATOR)}")
            return await _figures(label, runtime, http)
    finally:
        await runtime.database.dispose()


def measure_database(label: str, url: str, data: Path, count: int, work: Path) -> list[Figure]:
    """The tickets in as the operator loads them (`db upgrade`, `import`), then the reads."""
    env = _env(url)
    run_cli(["db", "upgrade"], env, work)
    run_cli(["import", str(data)], env, work)
    return asyncio.run(measure_reads(f"{label} {count // 1000}k", url))


def measure(quick: bool) -> list[Figure]:
    return on_both_databases(quick, PG_DATABASE, measure_database)


if __name__ == "__main__":
    show(measure(quick="--quick" in sys.argv))
