#!/usr/bin/env python3
"""Set up and run ClubOS Tickets with nothing but python3.

    python3 tasks.py run     # create .venv, install, start: the demo without Slack
                             # tokens, the service (`serve`) with them
    python3 tasks.py test    # create .venv, install with dev tools, lint, type-check,
                             # check the import contracts, test

Extra arguments after `test` go to pytest (e.g. `python3 tasks.py test -m slow`); after
`run`, to the command it starts (e.g. `python3 tasks.py run --once`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".install-stamp"


def _run(*args: str | Path) -> None:
    completed = subprocess.run([str(a) for a in args], cwd=ROOT)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def install() -> None:
    """Create the virtualenv and install the project, unless pyproject.toml is unchanged."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        _run(sys.executable, "-m", "venv", VENV)
    print("Installing ClubOS Tickets and its dev tools into .venv ...", flush=True)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(digest)


def run(extra: list[str]) -> None:
    install()
    env_has_tokens = os.environ.get("SLACK_BOT_TOKEN") or _dotenv_has("SLACK_BOT_TOKEN")
    command = "serve" if env_has_tokens else "demo"
    if command == "demo":
        print(
            "No SLACK_BOT_TOKEN: running the demo against a built-in Slack stand-in. To connect "
            "your Slack workspace, see README 'Go live': create the app from manifest.yml, put "
            "its tokens in .env, and run this again.",
            flush=True,
        )
    os.execv(BIN / "clubos-tickets", [str(BIN / "clubos-tickets"), command, *extra])


def test(extra: list[str]) -> None:
    install()
    _run(BIN / "ruff", "check", ".")
    _run(BIN / "ruff", "format", "--check", ".")
    _run(BIN / "mypy", "app", "bot", "delivery", "handlers", "slackui", "standin", "storage", "web")
    _run(BIN / "lint-imports")
    _run(BIN / "python", "-m", "pytest", *extra)


def _dotenv_has(name: str) -> bool:
    dotenv = ROOT / ".env"
    if not dotenv.exists():
        return False
    return any(line.strip().startswith(f"{name}=") for line in dotenv.read_text().splitlines())


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test", "install"}:
        print(__doc__)
        sys.exit(2)
    command, extra = sys.argv[1], sys.argv[2:]
    if command == "install":
        install()
    elif command == "run":
        run(extra)
    else:
        test(extra)


if __name__ == "__main__":
    main()
