"""LOG_FORMAT through the real command line: `text` gives readable lines, `json` JSON
lines, `auto` JSON when stderr is no terminal and readable lines on one; a bad value is
refused, naming LOG_FORMAT. `serve --without-slack` is what logs: it runs until its health
check answers, then is stopped."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.cli import CLI, cli_env, free_port, run

STARTUP_TIMEOUT_S = 30.0
# `12:03:04 INFO    clubos.server  serve.start host=127.0.0.1 port=3000 slack=False ...`
TEXT_LINE = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) +\S+ +\S")


def serve_log(tmp_path: Path, log_format: str, *, terminal: bool = False) -> tuple[str, int]:
    """What `serve --without-slack` writes on stderr (a pipe, or a terminal) from its
    start until it is stopped once it answers; and the port it served on."""
    port = free_port()
    env = cli_env(f"sqlite+aiosqlite:///{tmp_path}/logs.db", LOG_FORMAT=log_format)
    env = {key: value for key, value in env.items() if key != "LOG_LEVEL"}  # INFO, the default
    leader, follower = pty.openpty() if terminal else (-1, -1)
    proc = subprocess.Popen(
        [*CLI, "serve", "--without-slack", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=follower if terminal else subprocess.PIPE,
    )
    try:
        wait_for_health(proc, f"http://127.0.0.1:{port}/healthz")
    finally:
        proc.terminate()
        written: bytes = proc.communicate(timeout=10)[1]
        if terminal:
            os.close(follower)
            written = read_all(leader)
    return written.decode(), port


def wait_for_health(proc: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            httpx.get(url, timeout=1).raise_for_status()
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"serve did not answer {url} (exit code {proc.poll()})")


def read_all(leader: int) -> bytes:
    """Everything a terminal's other end has left to read (EIO once the writer is gone)."""
    chunks = []
    try:
        while chunk := os.read(leader, 4096):
            chunks.append(chunk)
    except OSError:
        pass
    finally:
        os.close(leader)
    return b"".join(chunks)


def lines_of(written: str) -> list[str]:
    return [line for line in written.splitlines() if line.strip()]


def json_lines(written: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines_of(written)]


def assert_readable(written: str, port: int) -> None:
    lines = lines_of(written)
    assert lines and all(TEXT_LINE.match(line) for line in lines), written
    start = next(line for line in lines if " serve.start " in line)
    assert re.search(r" INFO +clubos\.server +serve\.start host=127\.0\.0\.1 ", start), start
    assert f" port={port} " in start and " slack=False" in start, start


def assert_json(written: str, port: int) -> None:
    records = json_lines(written)
    assert records, written
    assert all({"ts", "level", "logger", "msg"} <= record.keys() for record in records)
    start = next(record for record in records if record["msg"] == "serve.start")
    assert (start["level"], start["logger"]) == ("info", "clubos.server")
    assert (start["host"], start["port"], start["slack"]) == ("127.0.0.1", port, False)


def test_text_gives_readable_lines_with_key_value_pairs(tmp_path: Path) -> None:
    written, port = serve_log(tmp_path, "text")
    assert_readable(written, port)


def test_json_gives_one_json_object_a_line(tmp_path: Path) -> None:
    written, port = serve_log(tmp_path, "json")
    assert_json(written, port)


def test_auto_gives_json_when_stderr_is_no_terminal(tmp_path: Path) -> None:
    written, port = serve_log(tmp_path, "auto")
    assert_json(written, port)


def test_auto_gives_readable_lines_on_a_terminal(tmp_path: Path) -> None:
    written, port = serve_log(tmp_path, "auto", terminal=True)
    assert_readable(written, port)


@pytest.mark.parametrize(
    "command", [["db", "upgrade"], ["serve", "--without-slack"], ["demo", "--once"]], ids=" ".join
)
def test_a_bad_log_format_is_refused_naming_it(tmp_path: Path, command: list[str]) -> None:
    env = cli_env(f"sqlite+aiosqlite:///{tmp_path}/logs.db", LOG_FORMAT="xml")
    result = run(command, env=env, cwd=tmp_path, timeout=30)
    assert result.returncode == 2, result.stderr
    assert "LOG_FORMAT" in result.stderr.upper() and "'xml'" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "logs.db").exists()
