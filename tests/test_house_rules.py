"""The house rules a reader can rely on: no module over 300 lines, no function over 40.

Kept by the README's test command beside `lint-imports` (the import contracts in
pyproject.toml). Data files (TOML, JSONL, Markdown) are not modules; Alembic migrations
are append-only history, so their functions are not held to the limit.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.paths import REPO, SOURCE_PACKAGES

MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 40
MIGRATIONS = REPO / "storage" / "migrations" / "versions"


def python_modules() -> list[Path]:
    folders = [REPO / name for name in (*SOURCE_PACKAGES, "tests")]
    modules = [path for folder in folders for path in folder.rglob("*.py")]
    return sorted([*modules, REPO / "tasks.py"])


def long_functions(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield f"{node.name} (line {node.lineno}): {length} lines"


def test_the_modules_are_found() -> None:
    found = {path.relative_to(REPO).parts[0] for path in python_modules()}
    assert found >= {*SOURCE_PACKAGES, "tests"}


@pytest.mark.parametrize("path", python_modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_module_size(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{lines} lines: split it by what its parts are about"


@pytest.mark.parametrize(
    "path",
    [p for p in python_modules() if not p.is_relative_to(MIGRATIONS)],
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_function_size(path: Path) -> None:
    assert not list(long_functions(path))
