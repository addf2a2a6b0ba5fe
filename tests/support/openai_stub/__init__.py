"""A real HTTP stand-in for an OpenAI-compatible chat completions endpoint.

`OpenAIStub` (an `HttpStub`) listens on 127.0.0.1 (a free port) in a background thread
and answers `POST /v1/chat/completions` and `GET /v1/models` well enough for the real
`openai.AsyncOpenAI(base_url=stub.base_url, api_key="x", max_retries=0)`, both with
`chat.completions.create(response_format={"type": "json_schema", ...})` and with
`chat.completions.parse(response_format=PydanticModel)`.

Every chat completion request body is recorded (`stub.requests`, parsed JSON), so tests
can assert what the prompt contained. What the stub answers is a *behaviour*, built
with the functions of `behaviours` and either set as the default or queued:

    stub.set_default(answer({"should_ticket": False, ...}))
    stub.queue(error(500), slow(2.0), answer(lambda body: {...}))   # consumed in order

Behaviours: `answer(obj | callable)`, `slow(seconds, then=...)`, `error(status, body)`,
`invalid_json(text)`, `wrong_shape(obj)`, `refusal(text)`, `injection(**overrides)`,
`truncated()` (finish_reason "length") and `disconnect()` (connection closed, no reply).

What the installed openai client (3.57) raises for each, checked by
tests/stubs/test_openai_stub*.py: slow past the client timeout -> `openai.APITimeoutError`;
500 -> `openai.InternalServerError`, 429 -> `openai.RateLimitError`, 400 ->
`openai.BadRequestError` (all `openai.APIStatusError`); invalid JSON and wrong shape
-> `pydantic.ValidationError` from `parse()` (`create()` returns the text as is);
refusal -> no exception, `message.refusal` set and `message.parsed is None`;
truncated -> `openai.LengthFinishReasonError` from `parse()`; disconnect ->
`openai.APIConnectionError`.

The `openai_stub` fixture is registered for every test by `pytest_plugins =
["tests.support.openai_stub"]` in the root conftest; or use the class as a context
manager: `with OpenAIStub() as stub: ...`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.http_stub import serve_during_test
from tests.support.openai_stub.behaviours import (
    DEFAULT_ANSWER,
    DEFAULT_INVALID_TEXT,
    DEFAULT_MODEL,
    INJECTED_ANSWER,
    WRONG_SHAPE_ANSWER,
    AnswerSource,
    Behaviour,
    JsonDict,
    answer,
    disconnect,
    error,
    injection,
    invalid_json,
    raw_content,
    refusal,
    slow,
    truncated,
    wrong_shape,
)
from tests.support.openai_stub.messages import message_text, system_text, user_text
from tests.support.openai_stub.stub import OpenAIStub, RecordedCall

__all__ = [
    "DEFAULT_ANSWER",
    "DEFAULT_INVALID_TEXT",
    "DEFAULT_MODEL",
    "INJECTED_ANSWER",
    "WRONG_SHAPE_ANSWER",
    "AnswerSource",
    "Behaviour",
    "JsonDict",
    "OpenAIStub",
    "RecordedCall",
    "answer",
    "disconnect",
    "error",
    "injection",
    "invalid_json",
    "message_text",
    "openai_stub_fixture",
    "raw_content",
    "refusal",
    "slow",
    "system_text",
    "truncated",
    "user_text",
    "wrong_shape",
]


@pytest.fixture(name="openai_stub")
def openai_stub_fixture() -> Iterator[OpenAIStub]:
    """Fixture `openai_stub`: a started `OpenAIStub`, closed after the test; fails the test
    at teardown when the stub itself hit errors, e.g. an `answer` callable raised (see
    `serve_during_test`)."""
    yield from serve_during_test(OpenAIStub(), "openai_stub")
