"""Which classifier triage uses: TRIAGE_BACKEND=auto|llm|rules. The rules are the
embedded default and every LLM failure's fallback."""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import ConfigError, Settings
from bot.tickets import TicketFilter, TicketService
from bot.triage.llm import LearnedExample, LlmClassifier, build_client
from bot.triage.rules import RulesClassifier
from bot.triage.types import Classifier
from storage.db import Database

LEARNED_EXAMPLES = 8


class ExampleLoader:
    """The most recent tickets operators flagged `learnable`; nothing else reaches a prompt."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def __call__(self) -> Sequence[LearnedExample]:
        async with self.database.unit_of_work() as session:
            tickets = await TicketService(session).list(
                TicketFilter(learnable=True, limit=LEARNED_EXAMPLES)
            )
        return [
            LearnedExample(
                text=t.description or t.title,
                category=t.category,
                priority=t.priority,
                title=t.title,
                bay=t.bay,
            )
            for t in tickets
        ]


def build_classifier(settings: Settings, database: Database) -> Classifier:
    rules = RulesClassifier()
    backend = settings.triage_backend
    key = settings.openai_api_key
    if backend == "rules" or (backend == "auto" and key is None):
        return rules
    if key is None:
        raise ConfigError("TRIAGE_BACKEND=llm needs OPENAI_API_KEY (or use auto or rules).")
    client = build_client(
        settings.openai_base_url, key.get_secret_value(), settings.openai_timeout_s
    )
    return LlmClassifier(
        client, settings.openai_model, settings.openai_timeout_s, rules, ExampleLoader(database)
    )
