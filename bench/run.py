"""Every benchmark, one command: each figure printed beside its target, and
docs/benchmarks.md written (machine, command, date, met or not, and each miss's note).

    .venv/bin/python bench/run.py            # the figures to report (tens of minutes)
    .venv/bin/python bench/run.py --quick    # smaller runs, to try the benchmarks
    .venv/bin/python bench/run.py ack_latency bulk   # only these modules

Each module in `MODULES` exposes `measure(quick) -> list[Figure]` (bench/figures.py). They
run one after another: on 2 cores, two benchmarks side by side measure each other.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import Figure  # noqa: E402

#: The benchmark modules, in the order they run (bench/<name>.py).
MODULES = ("triage_latency", "llm_prompt", "ack_latency", "ingest", "bulk", "scale")
REPORT = ROOT / "docs" / "benchmarks.md"
ANALYSIS = ROOT / "bench" / "analysis.md"


def machine() -> str:
    memory = ""
    if Path("/proc/meminfo").exists():
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.1f} GiB RAM"
    return (
        f"{platform.machine()}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"
    )


def run_module(name: str, quick: bool) -> tuple[list[Figure], str | None, float]:
    """The module's figures, or the error that stopped it, and its seconds."""
    started = time.monotonic()
    try:
        module = importlib.import_module(f"bench.{name}")
        figures: list[Figure] = module.measure(quick)
    except Exception:  # one broken benchmark must not hide the others' figures
        return [], traceback.format_exc(limit=3), time.monotonic() - started
    return figures, None, time.monotonic() - started


def verdict(figure: Figure) -> str:
    return {None: "(context)", True: "met", False: "**missed**"}[figure.met]


def table(figures: list[Figure]) -> list[str]:
    rows = ["| Figure | Value | Target | Met | Note |", "|---|---|---|---|---|"]
    for f in figures:
        sign = ">=" if f.at_least else "<="
        target = f"{sign} {f.target:g} {f.unit}" if f.target is not None else ""
        note = f.note.replace("|", "/").replace("\n", " ")
        rows.append(f"| {f.name} | {f.value:.4g} {f.unit} | {target} | {verdict(f)} | {note} |")
    return rows


def report(results: dict[str, tuple[list[Figure], str | None, float]], command: str) -> str:
    figures = [f for figs, _, _ in results.values() for f in figs]
    missed = sum(1 for f in figures if f.met is False)
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {machine()}.",
        "Benchmarks, not tests: the figures depend on the machine and its load; compare ratios",
        "measured in the same run. Each module's doc string says how it measures.",
        "",
        f"{len(figures)} figures, {missed} targets missed.",
    ]
    for name, (figs, error, seconds) in results.items():
        lines += ["", f"## {name} (bench/{name}.py, {seconds:.0f} s)", ""]
        lines += table(figs) if figs else []
        if error:
            lines += ["", "It stopped with:", "", "```", error.rstrip(), "```"]
    if ANALYSIS.exists():  # the profiles behind the misses, written by hand after a run
        lines += ["", ANALYSIS.read_text().rstrip()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(MODULES))
    parser.add_argument("--quick", action="store_true", help="smaller runs; no report")
    args = parser.parse_args()
    results = {}
    for name in args.modules:
        print(f"== {name}", flush=True)
        results[name] = run_module(name, args.quick)
        figures, error, _ = results[name]
        for figure in figures:
            print("  " + figure.line(), flush=True)
        if error:
            print(error, file=sys.stderr, flush=True)
    if args.quick or args.modules != list(MODULES):
        print("(partial or quick run: docs/benchmarks.md left as it was)")
        return
    REPORT.write_text(report(results, "python bench/run.py"))
    print(f"Wrote {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
