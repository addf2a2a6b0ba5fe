"""The OpenAI stub against the real `openai` client: what it records, its default,
queued and callable answers, the model list, unknown paths, resetting and closing
(what the client raises for each failure: test_openai_stub_failures.py)."""

from __future__ import annotations

import json
import socket
from typing import Any

import openai
import pytest

from tests.stubs.openai_chat import GOOD, SYSTEM, Triage, messages, parse
from tests.support.openai_stub import (
    DEFAULT_ANSWER,
    INJECTED_ANSWER,
    Behaviour,
    OpenAIStub,
    answer,
    error,
    injection,
    refusal,
    system_text,
    user_text,
)


async def test_parse_good_answer_and_request_recorded(
    openai_stub: OpenAIStub, client: openai.AsyncOpenAI
) -> None:
    openai_stub.set_default(answer(GOOD))

    completion = await parse(client)

    message = completion.choices[0].message
    assert message.parsed == Triage(**GOOD)
    assert message.refusal is None
    assert completion.model == "triage-model"
    assert completion.usage is not None and completion.usage.total_tokens > 0

    [body] = openai_stub.requests
    assert body["model"] == "triage-model"
    assert body["messages"] == messages()
    assert user_text(body) == "box 3 projector is really dim"
    assert system_text(body) == SYSTEM
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "Triage"
    assert fmt["json_schema"]["strict"] is True
    assert set(fmt["json_schema"]["schema"]["properties"]) == set(GOOD)
    assert openai_stub.calls[0].headers["authorization"] == "Bearer x"


async def test_create_with_json_schema_dict(
    openai_stub: OpenAIStub, client: openai.AsyncOpenAI
) -> None:
    response_format: Any = {
        "type": "json_schema",
        "json_schema": {"name": "triage", "schema": Triage.model_json_schema(), "strict": True},
    }
    openai_stub.queue(answer(GOOD))

    completion = await client.chat.completions.create(
        model="m", messages=messages(), response_format=response_format
    )

    assert json.loads(completion.choices[0].message.content or "") == GOOD
    assert openai_stub.last_request["response_format"] == response_format


async def test_default_answer_when_nothing_configured(client: openai.AsyncOpenAI) -> None:
    completion = await parse(client)
    assert completion.choices[0].message.parsed == Triage(**DEFAULT_ANSWER)


async def test_callable_answer_sees_the_request(
    openai_stub: OpenAIStub, client: openai.AsyncOpenAI
) -> None:
    def by_message(body: dict[str, Any]) -> dict[str, Any] | Behaviour:
        text = user_text(body)
        if "explode" in text:
            return error(500)
        if "towel" in text:
            return {**GOOD, "category": "facilities", "title": "No towels"}
        return {**DEFAULT_ANSWER, "reason": f"nothing wrong in {text!r}"}

    openai_stub.set_default(answer(by_message))

    towels = (await parse(client, "no towels in box 2")).choices[0].message.parsed
    thanks = (await parse(client, "thanks!")).choices[0].message.parsed
    assert towels is not None and towels.category == "facilities"
    assert thanks is not None and thanks.reason == "nothing wrong in 'thanks!'"
    with pytest.raises(openai.InternalServerError):
        await parse(client, "explode")
    assert [user_text(b) for b in openai_stub.requests] == [
        "no towels in box 2",
        "thanks!",
        "explode",
    ]


async def test_queue_is_consumed_in_order_then_default(
    openai_stub: OpenAIStub, client: openai.AsyncOpenAI
) -> None:
    openai_stub.set_default(answer(GOOD))
    openai_stub.queue(injection(), refusal())
    assert openai_stub.pending == 2

    first = (await parse(client)).choices[0].message
    second = (await parse(client)).choices[0].message
    third = (await parse(client)).choices[0].message

    assert first.parsed == Triage(**INJECTED_ANSWER)
    assert second.parsed is None and second.refusal
    assert third.parsed == Triage(**GOOD)
    assert openai_stub.pending == 0


async def test_models_list(client: openai.AsyncOpenAI) -> None:
    page = await client.models.list()
    assert [m.id for m in page.data] == ["stub-model"]


async def test_unknown_path_is_404_and_stream_is_rejected(
    openai_stub: OpenAIStub, client: openai.AsyncOpenAI
) -> None:
    with pytest.raises(openai.NotFoundError):
        await client.embeddings.create(model="m", input="x")
    with pytest.raises(openai.BadRequestError):
        await client.chat.completions.create(model="m", messages=messages(), stream=True)


async def test_callable_error_is_recorded_and_answered_500() -> None:
    def broken(body: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("oops")

    with OpenAIStub(default=answer(broken)) as stub:
        client = stub.client(max_retries=0)
        try:
            with pytest.raises(openai.InternalServerError):
                await parse(client)
        finally:
            await client.close()
        assert len(stub.errors) == 1 and isinstance(stub.errors[0], KeyError)


async def test_reset_and_close() -> None:
    with OpenAIStub() as stub:
        assert stub.base_url.startswith("http://127.0.0.1:")
        assert stub.base_url.endswith("/v1")
        port = stub.port
        stub.set_default(answer(GOOD))
        stub.queue(error(500))
        client = stub.client()
        try:
            with pytest.raises(openai.InternalServerError):
                await parse(client)
        finally:
            await client.close()
        stub.queue(error(500))
        stub.reset()
        assert stub.requests == [] and stub.calls == [] and stub.pending == 0
        assert stub.default == answer(DEFAULT_ANSWER)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        pass
