"""The JSON documents an OpenAI-compatible endpoint answers: a chat completion, the model
list, and what it rejects with HTTP 400."""

from __future__ import annotations

import time

from tests.support.openai_stub.behaviours import DEFAULT_MODEL, JsonDict
from tests.support.openai_stub.messages import message_text


def completion(
    body: JsonDict, message: JsonDict, finish_reason: str, completion_id: str
) -> JsonDict:
    """A `chat.completion` with one choice, `message`, for the request `body`."""
    prompt_tokens = sum(len(message_text(m)) for m in body.get("messages") or []) // 4 + 1
    completion_tokens = len(message.get("content") or message.get("refusal") or "") // 4 + 1
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model") or DEFAULT_MODEL,
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "logprobs": None,
                "message": message,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def model_list(models: list[str]) -> JsonDict:
    return {
        "object": "list",
        "data": [
            {"id": m, "object": "model", "created": 0, "owned_by": "openai-stub"} for m in models
        ],
    }


def request_problem(body: JsonDict) -> str | None:
    """What a real endpoint would reject with HTTP 400 (None when the request is fine)."""
    if not body.get("model"):
        return "openai_stub: 'model' is required"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "openai_stub: 'messages' must be a non-empty list"
    if body.get("stream"):
        return "openai_stub: streaming is not supported by the stub"
    return None
