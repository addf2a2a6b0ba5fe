"""Which classifier triage uses: TRIAGE_BACKEND=auto|llm|rules. The rules are the
embedded default and every LLM failure's fallback. The `openai` client is imported only
when the LLM is used, so the rules stay quick to start."""

from __future__ import annotations

from app.settings import Settings
from bot.club import ConfigError
from bot.triage.examples import ExampleLoader
from bot.triage.rules import RulesClassifier
from bot.triage.types import Classifier
from storage.db import Database


def uses_llm(settings: Settings) -> bool:
    """Whether `build_classifier` gives the LLM classifier for these settings."""
    return settings.triage_backend == "llm" or (
        settings.triage_backend == "auto" and settings.openai_api_key is not None
    )


def build_classifier(settings: Settings, database: Database | None) -> Classifier:
    """The configured classifier; with no `database`, the LLM learns from no examples."""
    rules = RulesClassifier()
    if not uses_llm(settings):
        return rules
    key = settings.openai_api_key
    if key is None:
        raise ConfigError("TRIAGE_BACKEND=llm needs OPENAI_API_KEY (or use auto or rules).")
    from bot.triage.llm import LlmClassifier, build_client

    client = build_client(
        settings.openai_base_url, key.get_secret_value(), settings.openai_timeout_s
    )
    examples = ExampleLoader(database) if database is not None else None
    return LlmClassifier(client, settings.openai_model, settings.openai_timeout_s, rules, examples)
