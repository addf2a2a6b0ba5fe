"""What the ack and ingest benchmarks stand on: a real `clubos-tickets serve` subprocess
against the Slack stand-in (SLACK_API_URL) and the OpenAI stub, on a scratch database, and
beside it the bare Bolt app (bench/bare_bolt.py) served the same way; requests go in
signed, as Slack sends them."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from standin.slack_api import SlackStub  # noqa: E402
from standin.slack_requests import DEFAULT_SIGNING_SECRET, SlackRequest, post_signed  # noqa: E402
from tests.intake.crash_support import serve_env  # noqa: E402
from tests.support.cli import CLI, free_port  # noqa: E402
from tests.support.openai_stub import OpenAIStub, answer, slow  # noqa: E402
from tests.support.postgres import admin, asyncpg_url  # noqa: E402

OPERATOR = "U0OP1"  # an operator in tests/data/clubos.test.toml
ONE_TICKET = {
    "should_ticket": True,
    "category": "facilities",
    "priority": "medium",
    "title": "A facility problem",
    "description": "a facility problem",
    "bay": None,
    "suggest_close": False,
    "reason": "a facility problem",
}


@dataclass
class Stage:
    slack: SlackStub
    llm: OpenAIStub
    ours: httpx.AsyncClient
    bare: httpx.AsyncClient
    database_url: str

    async def post(self, http: httpx.AsyncClient, request: SlackRequest) -> float:
        """POST a signed request; the milliseconds until the answer (which must be 200)."""
        start = time.perf_counter()
        response = await post_signed(http, DEFAULT_SIGNING_SECRET, request)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{http.base_url} answered {response.status_code}: {response.text}")
        return elapsed


@contextlib.asynccontextmanager
async def scratch_database(scratch: Path, backend: str) -> Any:
    """A new database of the benchmark's own (its URL): a file, or one on the PostgreSQL
    server, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{scratch}/bench.db"
        return
    name = f"bench_ack_{uuid.uuid4().hex[:8]}"
    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield asyncpg_url(name)
    finally:
        await admin(f'DROP DATABASE "{name}" WITH (FORCE)')


def _wait_until_answering(base_url: str, proc: subprocess.Popen[Any], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{base_url} exited; its log:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            httpx.get(f"{base_url}/healthz", timeout=2)
            return
        time.sleep(0.2)
    raise SystemExit(f"{base_url} did not answer within 60 s")


@contextlib.contextmanager
def process(command: list[str], env: dict[str, str], cwd: Path, name: str) -> Iterator[str]:
    """`command` (listening on the port it was given) running, until the block ends."""
    port = free_port()
    log = cwd / f"{name}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*command, "--port", str(port)], env=env, cwd=cwd, stdout=out, stderr=out
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(base_url, proc, log)
        yield base_url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@contextlib.contextmanager
def servers(
    url: str, triage: str, llm_delay_s: float, scratch: Path
) -> Iterator[tuple[SlackStub, OpenAIStub, str, str]]:
    with SlackStub() as slack, OpenAIStub() as llm:
        llm.set_default(slow(llm_delay_s, then=answer(ONE_TICKET)))
        env = serve_env(slack, llm, url) | {"TRIAGE_BACKEND": triage}
        bare = [sys.executable, str(ROOT / "bench" / "bare_bolt.py"), DEFAULT_SIGNING_SECRET]
        with (
            process([*CLI, "serve"], env, scratch, "serve") as ours,
            process(bare, env, scratch, "bare") as bare_url,
        ):
            yield slack, llm, ours, bare_url


@contextlib.asynccontextmanager
async def stage(*, backend: str = "sqlite", triage: str = "llm", llm_delay_s: float = 2.0) -> Any:
    """The stage: both apps answering, their HTTP clients open (kept alive, as Slack's)."""
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        async with scratch_database(scratch, backend) as url:
            with servers(url, triage, llm_delay_s, scratch) as (slack, llm, ours, bare):
                async with (
                    httpx.AsyncClient(base_url=ours, timeout=30) as ours_http,
                    httpx.AsyncClient(base_url=bare, timeout=30) as bare_http,
                ):
                    yield Stage(slack, llm, ours_http, bare_http, url)


def machine_load() -> str:
    return "load " + ", ".join(f"{v:.1f}" for v in os.getloadavg())
