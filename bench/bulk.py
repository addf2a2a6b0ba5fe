"""Bulk commands at scale (issue 14): `import`, `export --format json|csv` and
`digest --now` run as the operator runs them, on SQLite and on PostgreSQL, each timed
(wall clock) with its peak RSS (the child's own, from wait4's rusage).

    .venv/bin/python bench/bulk.py [--quick]

The tickets come from bench/dataset.py (100,000, 5% open; `--quick`: 10,000). The import is
run twice: the second run finds every ticket present (what an idempotent re-run costs).
The digest posts to the Slack stand-in (standin/); its figure is the median of 3 runs.
PostgreSQL: database `bench_bulk` on 127.0.0.1:5432, created and dropped here.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402
from bench.figures import Figure  # noqa: E402
from standin.slack_api import SlackStub  # noqa: E402

CLI = [str(ROOT / ".venv" / "bin" / "clubos-tickets")]
PG_ADMIN = os.environ.get("BENCH_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PG_DATABASE = "bench_bulk"
IMPORT_TARGET_S = 20.0
DIGEST_TARGET_S = 1.0
RSS_TARGET_MB = 200.0
DIGEST_RUNS = 3


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    stdout: bytes


def run_cli(args: list[str], env: dict[str, str], cwd: Path, stdout: Path | None = None) -> Run:
    """One command as a child process: its wall time and its peak RSS (ru_maxrss, KiB).
    Its output goes to files, so the child never waits on a pipe and wait4 reaps it."""
    out_path = stdout or cwd / "stdout.txt"
    err_path = cwd / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([*CLI, *args], env=env, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {err_path.read_text(errors='replace')}")
    captured = b"" if stdout else out_path.read_bytes()
    return Run(seconds, usage.ru_maxrss / 1024, captured)


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.pop("CLUBOS_CONFIG", None)
    return {**env, "DATABASE_URL": database_url, "TRIAGE_BACKEND": "rules", **extra}


def measure_database(label: str, url: str, data: Path, count: int, work: Path) -> list[Figure]:
    env = _env(url)
    run_cli(["db", "upgrade"], env, work)
    size = f"{count // 1000}k"
    first = run_cli(["import", str(data)], env, work)
    again = run_cli(["import", str(data)], env, work)
    figures = [
        Figure(f"{label} import {size}", first.seconds, "s", IMPORT_TARGET_S),
        Figure(f"{label} import {size} peak RSS", first.peak_mb, "MB", RSS_TARGET_MB),
        Figure(f"{label} re-import {size} (all skipped)", again.seconds, "s", IMPORT_TARGET_S),
        Figure(f"{label} re-import {size} peak RSS", again.peak_mb, "MB", RSS_TARGET_MB),
    ]
    for fmt in ("json", "csv"):
        out = work / f"export.{fmt}"
        done = run_cli(["export", "--format", fmt], env, work, stdout=out)
        note = f"{out.stat().st_size / 1e6:.0f} MB written"
        figures.append(Figure(f"{label} export {fmt} {size}", done.seconds, "s", note=note))
        figures.append(
            Figure(f"{label} export {fmt} {size} peak RSS", done.peak_mb, "MB", RSS_TARGET_MB)
        )
    figures += _digest(label, url, size, work)
    return figures


def _digest(label: str, url: str, size: str, work: Path) -> list[Figure]:
    stub = SlackStub().start()
    try:
        env = _env(url, SLACK_BOT_TOKEN="xoxb-bench", SLACK_API_URL=stub.base_url)
        runs = [run_cli(["digest", "--now"], env, work) for _ in range(DIGEST_RUNS)]
    finally:
        stub.close()
    seconds = statistics.median(r.seconds for r in runs)
    note = f"median of {DIGEST_RUNS}; " + runs[-1].stdout.decode().strip()
    return [
        Figure(f"{label} digest --now at {size}", seconds, "s", DIGEST_TARGET_S, note=note),
        Figure(f"{label} digest --now peak RSS", max(r.peak_mb for r in runs), "MB"),
    ]


def _psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True, capture_output=True)


def measure(quick: bool) -> list[Figure]:
    count = 10_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as scratch:
        work = Path(scratch)
        data = dataset.write(count, work / "tickets.json")
        sqlite_url = f"sqlite+aiosqlite:///{work}/bulk.db"
        figures = measure_database("SQLite", sqlite_url, data, count, work)
        pg_base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        _psql(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        _psql(f"CREATE DATABASE {PG_DATABASE}")
        try:
            url = f"{pg_base}/{PG_DATABASE}"
            figures += measure_database("PostgreSQL", url, data, count, work)
        finally:
            _psql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    return figures


if __name__ == "__main__":
    for figure in measure(quick="--quick" in sys.argv):
        print(figure.line() + (f"  [{figure.note}]" if figure.note else ""), flush=True)
