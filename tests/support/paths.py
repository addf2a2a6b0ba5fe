"""Where the tests find the repository and their data files, wherever a test module lives."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
DATA = TESTS / "data"
# Every package of the product (what the house rules and the manifest checks read).
SOURCE_PACKAGES = (
    "app",
    "bot",
    "delivery",
    "handlers",
    "prompts",
    "slackui",
    "standin",
    "storage",
    "web",
)
