"""Bulk commands at scale (issue 14): `import`, `export --format json|csv` and
`digest --now` run as the operator runs them, on SQLite and on PostgreSQL, each timed
(wall clock) with its peak RSS (the child's own VmHWM, polled).

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402
from bench.figures import Figure, show  # noqa: E402
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
    """One command as a child process: its wall time and its peak RSS. Its output goes to
    files, so the child never waits on a pipe."""
    out_path = stdout or cwd / "stdout.txt"
    err_path = cwd / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([*CLI, *args], env=env, cwd=cwd, stdout=out, stderr=err)
        peak_kib = _peak_rss_kib(proc)
        seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {err_path.read_text(errors='replace')}")
    captured = b"" if stdout else out_path.read_bytes()
    return Run(seconds, peak_kib / 1024, captured)


def _peak_rss_kib(proc: subprocess.Popen[bytes]) -> int:
    """The child's high-water RSS (VmHWM), read every few milliseconds until it exits.
    Not wait4's ru_maxrss: a child forked from this process starts its count with this
    process's own RSS (hundreds of MB once the dataset and the model are loaded), and exec
    does not lower it. VmHWM starts again at exec; what the last moments add is missed."""
    status = Path(f"/proc/{proc.pid}/status")
    peak = 0
    while proc.poll() is None:
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
            peak = max(peak, int(fields["VmHWM"].split()[0]))
        except (OSError, KeyError, ValueError):  # exiting, or a zombie: no memory left
            pass
        time.sleep(0.005)
    return peak


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


@contextmanager
def scratch_postgres(name: str) -> Iterator[str]:
    """The asyncpg URL of a new, empty database `name`, dropped afterwards."""
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    _psql(f"DROP DATABASE IF EXISTS {name}")
    _psql(f"CREATE DATABASE {name}")
    try:
        yield f"{base}/{name}"
    finally:
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


#: One database's figures: (label, database URL, import file, ticket count, scratch dir).
PerDatabase = Callable[[str, str, Path, int, Path], list[Figure]]


def on_both_databases(quick: bool, database: str, per_database: PerDatabase) -> list[Figure]:
    """`per_database` on SQLite, then on PostgreSQL (database `database`, created and
    dropped), each with the dataset's 100,000 tickets (quick: 10,000) in an import file."""
    count = 10_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix=f"{database}-") as scratch:
        work = Path(scratch)
        data = dataset.write(count, work / "tickets.json")
        sqlite_url = f"sqlite+aiosqlite:///{work}/{database}.db"
        figures = per_database("SQLite", sqlite_url, data, count, work)
        with scratch_postgres(database) as url:
            figures += per_database("PostgreSQL", url, data, count, work)
    return figures


def measure(quick: bool) -> list[Figure]:
    return on_both_databases(quick, PG_DATABASE, measure_database)


if __name__ == "__main__":
    show(measure(quick="--quick" in sys.argv))
