"""A club's ticket history for the scale benchmarks: `count` tickets in the contract's
ticket JSON (the `import` format), deterministic for a seed, about 5% of them still open.

    .venv/bin/python bench/dataset.py 100000 /tmp/tickets-100k.json

Spread over years of two-minute steps, five locations, both categories, every priority;
some assigned, some with a second linked thread; each thread its own.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

LOCATIONS = ("Bedford", "Dartmouth", "Halifax", "Truro", "Moncton")
OPEN_STATUSES = ("open", "in_progress", "on_hold")
PROBLEMS = (
    ("facilities", "Bay {bay} hitting mat torn"),
    ("facilities", "Men's toilet overflowing"),
    ("facilities", "No balls in bay {bay}"),
    ("facilities", "Front door lock broken"),
    ("tech", "Bay {bay} projector offline"),
    ("tech", "Bay {bay} launch monitor not reading"),
    ("tech", "Internet down"),
    ("tech", "Bay {bay} simulator PC frozen"),
)
PRIORITIES = (("low", 30), ("medium", 45), ("high", 20), ("critical", 5))
OPERATORS = ("U0OPS1", "U0OPS2", "U0OPS3", "U0OPS4")
START = datetime(2023, 1, 1, tzinfo=UTC)
OPEN_SHARE = 0.05


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _status(pick: random.Random, n: int, count: int) -> str:
    # The open ones are the newest, as in a real club: old problems are long closed.
    if n >= count * (1 - OPEN_SHARE):
        return pick.choice(OPEN_STATUSES)
    return "archived" if pick.random() < 0.6 else "resolved"


def ticket(pick: random.Random, n: int, count: int) -> dict[str, object]:
    """The `n`th ticket (T-{n+1}) of `count`."""
    location = pick.choice(LOCATIONS)
    bay = pick.randint(1, 8)
    category, title = pick.choice(PROBLEMS)
    priority = pick.choices([p for p, _ in PRIORITIES], [w for _, w in PRIORITIES])[0]
    status = _status(pick, n, count)
    created = START + timedelta(minutes=2 * n)
    thread = f"C0{location.upper()[:5]}:{1672531200 + 120 * n}.{n % 1000000:06d}"
    threads = [thread]
    if pick.random() < 0.1:
        threads.append(f"C0{location.upper()[:5]}:{1672531260 + 120 * n}.000001")
    closed = status in ("resolved", "archived")
    return {
        "ticket_id": f"T-{n + 1}",
        "created_by": "OperatorGPT",
        "submitted_by": f"cust_{pick.randint(1, 20000)}",
        "source": "message_thread",
        "linked_thread": thread,
        "linked_threads": threads,
        "category": category,
        "priority": priority,
        "status": status,
        "title": title.format(bay=bay),
        "description": f"Customer wrote: {title.format(bay=bay).lower()} (visit {n})",
        "location": location,
        "bay": bay if "{bay}" in title else None,
        "timestamp": _iso(created),
        "updated_at": _iso(created + timedelta(hours=3 if closed else 0)),
        "assigned_to": pick.choice(OPERATORS) if pick.random() < 0.7 else None,
        "resolution_notes": "Fixed on site." if closed else None,
        "learnable": False,
        "decided_by": "local",
    }


def tickets(count: int, seed: int = 14) -> Iterator[dict[str, object]]:
    pick = random.Random(seed)
    for n in range(count):
        yield ticket(pick, n, count)


def write(count: int, path: Path, seed: int = 14) -> Path:
    """Write the JSON list to `path` one ticket at a time (100k tickets are ~60 MB)."""
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for n, row in enumerate(tickets(count, seed)):
            out.write(("," if n else "") + json.dumps(row) + "\n")
        out.write("]\n")
    return path


if __name__ == "__main__":
    write(int(sys.argv[1]), Path(sys.argv[2]))
