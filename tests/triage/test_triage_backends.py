"""Which backend triage runs on (TRIAGE_BACKEND auto|llm|local|rules), what `/healthz` says
of it, and the `triage` command on the local backend with the network forbidden."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from app import classifier as backends
from app.runtime import build_runtime
from app.settings import Settings
from bot.club import ConfigError
from bot.triage.llm import LlmClassifier
from bot.triage.local import LocalClassifier, build_local
from bot.triage.rules import RulesClassifier
from tests.triage.helpers import DEV
from tests.triage.local_support import triage_offline

PIPE = "carpet by the entrance is soaked, looks like a pipe burst"  # the rules miss it


def settings(backend: str, key: str | None = None, **more: object) -> Settings:
    return Settings(
        _env_file=None,
        triage_backend=backend,
        openai_api_key=SecretStr(key) if key else None,
        **more,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("backend", "key", "chosen", "kind"),
    [
        ("auto", None, "local", LocalClassifier),
        ("auto", "sk-x", "llm", LlmClassifier),
        ("local", "sk-x", "local", LocalClassifier),
        ("rules", "sk-x", "rules", RulesClassifier),
        ("llm", "sk-x", "llm", LlmClassifier),
    ],
)
async def test_the_backend_for_the_settings(
    backend: str, key: str | None, chosen: str, kind: type
) -> None:
    configured = settings(backend, key)
    assert backends.backend(configured) == chosen
    assert backends.uses_llm(configured) == (chosen == "llm")
    built = backends.build_classifier(configured, None)
    assert isinstance(built, kind)
    assert backends.describe(built) == chosen
    if isinstance(built, LlmClassifier):
        await built.aclose()


def test_llm_without_a_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        backends.build_classifier(settings("llm"), None)


async def _health(configured: Settings) -> dict[str, object]:
    runtime = build_runtime(configured, slack=False)
    transport = httpx.ASGITransport(app=runtime.asgi)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            answer = await client.get("/healthz")
    finally:
        await runtime.database.dispose()
    assert answer.status_code == 200
    body: dict[str, object] = answer.json()
    return body


async def test_healthz_names_the_triage_backend(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/t.db"
    local = await _health(settings("auto", database_url=url))
    assert (local["triage"], local["triage_weights"]) == ("local", "shipped")
    rules = await _health(settings("rules", database_url=url))
    assert rules["triage"] == "rules" and "triage_weights" not in rules


async def test_healthz_says_when_the_model_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        backends, "load_local", lambda: build_local(None, problem="OSError: weights gone")
    )
    body = await _health(settings("local", database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db"))
    assert body["status"] == "ok"
    assert body["triage"] == "rules (model unavailable: OSError: weights gone)"


def test_the_model_loads_and_decides_with_no_network(tmp_path: Path) -> None:
    result = triage_offline(PIPE, "--location", "Bedford", cwd=tmp_path, env={})
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["should_ticket"], out["category"]) == (True, "facilities")
    assert out["decided_by"] == "local"
    rules = triage_offline(PIPE, cwd=tmp_path, env={"TRIAGE_BACKEND": "rules"})
    assert json.loads(rules.stdout)["decided_by"] == "rules"
    assert list(tmp_path.iterdir()) == []  # no database file, nothing downloaded here


def test_score_on_the_local_backend_reports_the_issues_figures(tmp_path: Path) -> None:
    result = triage_offline("--score", str(DEV), cwd=tmp_path, env={"TRIAGE_BACKEND": "local"})
    assert result.returncode == 0, result.stderr
    assert "(local backend)" in result.stdout
    for name in ("ticket F1", "category, all tickets", "priority within one", "critical recall"):
        assert name in result.stdout
