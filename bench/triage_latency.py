"""The local triage backend's cost: per-message latency on one core, and `serve`'s idle
memory with the model loaded, each printed beside its target (issue 12).

    .venv/bin/python bench/triage_latency.py

Latency: every message of bot/triage/corpus/triage_dev.jsonl through the whole pipeline (SOP gate,
rules, embedding, heads, policy), pinned to one core (taskset, one OpenMP thread). RSS:
`serve` with TRIAGE_BACKEND=local on a scratch SQLite database, read from /proc once it
answers /healthz and has idled. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import Figure, percentile  # noqa: E402

DEV = ROOT / "bot" / "triage" / "corpus" / "triage_dev.jsonl"
P99_TARGET_MS = 100.0
RSS_TARGET_MB = 250.0
IDLE_S = 3.0
PASSES = 3  # each message's figure is its median over the passes: a busy neighbour's burst
# on the same core says nothing of triage's own cost (the raw p99 is printed beside it)
PINNED = "CLUBOS_BENCH_PINNED"


def pin_to_one_core() -> None:
    """Re-run this script on core 0 with one OpenMP thread (before the model loads)."""
    if os.environ.get(PINNED):
        return
    env = os.environ | {PINNED: "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    command = [sys.executable, *sys.argv]
    if shutil.which("taskset"):
        command = ["taskset", "-c", "0", *command]
    os.execvpe(command[0], command, env)


async def latencies() -> list[list[float]]:
    """For each pass, each message's milliseconds through the pipeline (no cached vector)."""
    from bot.triage import engine
    from bot.triage.labelled import known_locations, load_examples
    from bot.triage.local import load_local

    local = load_local()
    if local.heads is None:
        raise SystemExit(f"the model is not in use: {local.status}")
    examples = load_examples(DEV)
    known = known_locations(examples)
    await local.classify(engine.TriageInput(text="warm-up message, not measured"))
    passes = []
    for n in range(PASSES):
        costs = []
        for example in examples:
            # A new text each pass: no vector cached from the pass before.
            inp = replace(example.to_input(known), text=f"{example.text} ({n})")
            start = time.perf_counter()
            await engine.triage(inp, local)
            costs.append((time.perf_counter() - start) * 1000)
        passes.append(costs)
    return passes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def serve_idle_rss() -> tuple[float, str]:
    """`serve --without-slack` with the local backend: its RSS once idle with its model's
    process (bot/triage/model_worker.py) counted in, and a note of each and of /healthz's
    triage field."""
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        env = os.environ | {
            "TRIAGE_BACKEND": "local",
            "DATABASE_URL": f"sqlite+aiosqlite:///{scratch}/bench.db",
            "PYTHONPATH": str(ROOT),
        }
        command = [sys.executable, "-c", "from app.cli import main; main()", "serve"]
        proc = subprocess.Popen(
            [*command, "--without-slack", "--port", str(port)],
            cwd=scratch,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            health = _wait_for_health(port)
            time.sleep(IDLE_S)
            model = [rss_mb(child) for child in children(proc.pid)]
            serve = rss_mb(proc.pid)
            parts = " + ".join(f"{each:.0f}" for each in model)
            note = f"serve {serve:.0f} MB + its model's process {parts} MB"
            return serve + sum(model), f"{note}; /healthz triage {health.get('triage')!r}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _wait_for_health(port: int) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            answer: dict[str, object] = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
            return answer
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("serve did not answer /healthz within 60 s")


def figures() -> list[Figure]:
    """Latency on one core and idle RSS (run pinned: call from `main` or `measure`)."""
    passes = asyncio.run(latencies())
    costs = [statistics.median(each) for each in zip(*passes, strict=True)]
    raw = percentile([c for each in passes for c in each], 0.99)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    how = f"{len(costs)} messages of {DEV.name}, median of {PASSES} passes, one core"
    rss, parts = serve_idle_rss()
    return [
        Figure("local triage p50", percentile(costs, 0.50), "ms", note=how),
        Figure(
            "local triage p99",
            percentile(costs, 0.99),
            "ms",
            P99_TARGET_MS,
            note=f"{how}; p99 of every single run {raw:.1f} ms; load {load}",
        ),
        Figure(
            "serve idle RSS, model loaded",
            rss,
            "MB",
            RSS_TARGET_MB,
            note=f"serve --without-slack: {parts}",
        ),
    ]


def measure(quick: bool) -> list[Figure]:
    """For bench/run.py: this script in a pinned child process, its figures as JSON."""
    del quick  # the dev set is small: a quick run measures the same
    out = subprocess.run(
        [sys.executable, __file__, "--json"], check=True, capture_output=True, text=True
    ).stdout
    return [Figure(**row) for row in json.loads(out.strip().splitlines()[-1])]


def main() -> None:
    pin_to_one_core()
    results = figures()
    if "--json" in sys.argv:
        print(json.dumps([asdict(f) for f in results]))
        return
    for figure in results:
        print(figure.line())


if __name__ == "__main__":
    main()
