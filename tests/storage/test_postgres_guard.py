"""Where no PostgreSQL answers, its tests skip saying why; in CI (`CI=true`) they fail the
run instead, naming the URL, so a missing service cannot pass as a green run."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.support.cli import free_port
from tests.support.paths import REPO
from tests.support.postgres import require_postgres


def _dead_url() -> str:
    return f"postgresql://postgres@127.0.0.1:{free_port()}/test"


def _reason(url: str) -> str:
    return f"PostgreSQL not reachable at {re.escape(url)}"


def test_outside_ci_a_missing_postgres_skips_saying_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    url = _dead_url()
    with pytest.raises(pytest.skip.Exception, match=_reason(url)):
        require_postgres(url)


def test_in_ci_a_missing_postgres_fails_naming_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    url = _dead_url()
    with pytest.raises(pytest.fail.Exception, match=_reason(url)):
        require_postgres(url)


def test_in_ci_a_run_needing_a_missing_postgres_fails() -> None:
    url = _dead_url()
    env = {**os.environ, "CI": "true", "TEST_POSTGRES_URL": url}
    test = "tests/storage/test_migrations.py::test_ensure_current_accepts_a_migrated_database"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout
    assert "1 passed, 1 error" in result.stdout, result.stdout
    assert f"PostgreSQL not reachable at {url}" in result.stdout
