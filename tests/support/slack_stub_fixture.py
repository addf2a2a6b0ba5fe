"""The `slack_stub` fixture: a started `standin.slack_api.SlackStub` for each test.

Registered for every test by `pytest_plugins` in the root conftest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from standin.slack_api import SlackStub
from tests.support.http_stub import serve_during_test


@pytest.fixture(name="slack_stub")
def slack_stub_fixture() -> Iterator[SlackStub]:
    """Fixture `slack_stub`: a started `SlackStub`, closed after the test; fails the test
    at teardown when the stub itself hit errors (see `serve_during_test`)."""
    yield from serve_during_test(SlackStub(), "slack_stub")
