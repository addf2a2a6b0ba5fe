"""Which classifier triage uses: TRIAGE_BACKEND=auto|llm|local|rules.

`auto` is the LLM when OPENAI_API_KEY is set, else `local`: the rules and the embedded
semantic model, the offline default (the rules alone when the model cannot load). `local`
is also every LLM failure's fallback and the LLM's filter for clear noise. The `openai`
client is imported only when the LLM is used, so the others stay quick to start.
"""

from __future__ import annotations

from typing import Literal

from app.settings import Settings
from bot.club import ConfigError
from bot.triage.examples import ExampleLoader
from bot.triage.local import LocalClassifier, load_local
from bot.triage.rules import RulesClassifier
from bot.triage.types import Classifier
from storage.db import Database

BackendName = Literal["llm", "local", "rules"]


def backend(settings: Settings) -> BackendName:
    """The backend `build_classifier` gives for these settings."""
    chosen = settings.triage_backend
    if chosen == "auto":
        return "llm" if settings.openai_api_key is not None else "local"
    return chosen


def uses_llm(settings: Settings) -> bool:
    """Whether `build_classifier` gives the LLM classifier for these settings."""
    return backend(settings) == "llm"


def build_classifier(settings: Settings, database: Database | None) -> Classifier:
    """The configured classifier; with no `database`, the LLM learns from no examples."""
    rules = RulesClassifier()
    chosen = backend(settings)
    if chosen == "rules":
        return rules
    if chosen == "local":
        return load_local()
    key = settings.openai_api_key
    if key is None:
        raise ConfigError("TRIAGE_BACKEND=llm needs OPENAI_API_KEY (or use auto, local or rules).")
    from bot.triage.llm import LlmClassifier, build_client

    client = build_client(
        settings.openai_base_url, key.get_secret_value(), settings.openai_timeout_s
    )
    examples = ExampleLoader(database) if database is not None else None
    # The local backend answers whenever the LLM cannot (and is the rules when its model
    # cannot load); as the LLM's noise filter it spares a call for clear noise.
    local = load_local()
    return LlmClassifier(
        client, settings.openai_model, settings.openai_timeout_s, local, examples, noise=local
    )


def describe(classifier: Classifier) -> str:
    """What triage runs on, for `/healthz` and the CLI: `llm`, `local`, `rules`, or
    `rules (model unavailable: ...)` when the local model could not load."""
    if isinstance(classifier, LocalClassifier):
        return classifier.status
    if isinstance(classifier, RulesClassifier):
        return "rules"
    return "llm"
