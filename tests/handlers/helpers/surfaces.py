"""What every test that reads the app's Slack output shares: a relayed customer message,
the views and messages the app sent, and the checks that Slack would accept them and
that nobody gets pinged."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.support.app_harness import Harness

JsonDict = dict[str, Any]

THREAD_TS = "1732550000.000100"
ROUTED = "C0FAC"  # facilities tickets' routed channel in the test config
MENTIONS = ("<!channel>", "<!here>", "<!everyone>")


def relayed(text: str, ts: str = THREAD_TS, customer: str = "cust_5102") -> JsonDict:
    return {
        "type": "message",
        "ts": ts,
        "text": text,
        "bot_id": "B0RELAY",
        "username": "SMS relay",
        "metadata": {"event_type": "customer_message", "event_payload": {"customer_id": customer}},
    }


def as_dict(value: Any) -> JsonDict:
    return json.loads(value) if isinstance(value, str) else dict(value)


def initial(view: JsonDict, block_id: str) -> Any:
    """The prefilled value of a modal input."""
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element = block["element"]
    return element.get("initial_value") or (element.get("initial_option") or {}).get("value")


def walk_texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in walk_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in walk_texts(v)]
    return [value] if isinstance(value, str) else []


def assert_valid_surfaces(h: Harness) -> None:
    """Every message and modal the app sent parses as Block Kit with slack_sdk's models,
    passes their validators and stays within Slack's limits."""
    for method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"):
        for call in h.stub.calls(method):
            text = call.get("text")
            assert text or call.get("blocks"), (method, call.body)
            assert len(str(text or "")) <= 40_000
            blocks = call.get("blocks") or []
            assert len(blocks) <= 50, (method, len(blocks))
            for raw in blocks:
                block = Block.parse(raw)
                assert block is not None, raw
                block.validate_json()
                assert block.to_dict() == raw, (raw, block.to_dict())
            for piece in walk_texts(blocks):
                assert len(piece) <= 3000
    for call in h.stub.calls("views.open"):
        view = as_dict(call["view"])
        View(**view).validate_json()
        assert len(view["blocks"]) <= 100
        assert len(view.get("private_metadata") or "") <= 3000


def assert_no_mass_mentions(h: Harness) -> None:
    """No text the app sent Slack can ping a whole channel."""
    for call in h.stub.calls():
        dumped = json.dumps(call.body)
        for mention in MENTIONS:
            assert mention not in dumped, (call.method, call.body)


def told(h: Harness) -> list[str]:
    """What the app said privately: ephemeral responses and ephemeral messages."""
    said = [
        str(c.get("text"))
        for c in h.stub.calls("response_url")
        if c.get("response_type") == "ephemeral"
    ]
    return said + [str(c.get("text")) for c in h.stub.calls("chat.postEphemeral")]
