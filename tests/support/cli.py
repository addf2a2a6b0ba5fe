"""The product's command line run as a subprocess, the way an operator runs it: `db
upgrade`, and `serve` on a free port until its health check answers."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import httpx

from tests.support.paths import REPO

#: `clubos-tickets` without relying on the installed script.
CLI = [sys.executable, "-c", "from app.cli import main; main()"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(database_url: str, **overrides: str) -> dict[str, str]:
    """This environment minus anything that would point the CLI elsewhere or at Slack."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SLACK_") and key not in {"DATABASE_URL", "CLUBOS_CONFIG"}
    }
    env["DATABASE_URL"] = database_url
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return {**env, **overrides}


def run(
    args: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path,
    stdin: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """`clubos-tickets ARGS` run to its end with exactly `env`. `cwd` should be a scratch
    directory, so no .env or clubos.toml of the checkout is picked up."""
    return subprocess.run(
        [*CLI, *args],
        input=stdin,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_cli(
    database_url: str, *args: str, cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """One command against `database_url`, with nothing of this environment's Slack."""
    return run(args, env=cli_env(database_url), cwd=cwd, timeout=timeout)


@dataclass(frozen=True)
class Served:
    base_url: str
    #: The first `/healthz` answer, once the server listened.
    health: httpx.Response


@contextlib.contextmanager
def serving(
    cwd: Path, env: dict[str, str], timeout: float = 30, *, slack: bool = False
) -> Iterator[Served]:
    """`serve` on a free port, once it answers `/healthz`; stopped after. Without Slack
    (`--without-slack`) unless `slack`: then `env` says where Slack is (SLACK_API_URL)."""
    proc, served = start_serve(cwd, env, timeout, slack=slack)
    try:
        yield served
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def start_serve(
    cwd: Path,
    env: dict[str, str],
    timeout: float = 30,
    *,
    slack: bool = False,
    log: TextIO | None = None,
) -> tuple[subprocess.Popen[str], Served]:
    """`serve` started as `serving` starts it, once it answers; the caller ends it (a test
    that kills it with SIGKILL, as a crash would). Its output goes to `log` when given (a
    chatty process never blocks on a full pipe), else to a pipe."""
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", *([] if slack else ["--without-slack"]), "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=log if log is not None else subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    return proc, Served(base_url, _first_health(proc, base_url, timeout))


def _first_health(proc: subprocess.Popen[str], base_url: str, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(f"{base_url}/healthz", timeout=1)
        except httpx.TransportError:
            timed_out = time.monotonic() > deadline
            if timed_out:
                proc.kill()
            if timed_out or proc.poll() is not None:
                raise AssertionError(proc.communicate(timeout=10)[0]) from None
            time.sleep(0.2)
