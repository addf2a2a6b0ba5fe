"""Generated requests for every endpoint (hypothesis strategies): real payloads of each
kind with fields replaced by arbitrary JSON, dropped, or the whole body garbled."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from hypothesis import strategies as st

from standin import slack_requests as rq
from tests.support.app_harness import OPERATOR, RELAY
from tests.support.relay import customer_says

JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.text(max_size=40)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
CARD = {"type": "button", "action_id": "ticket_note", "block_id": "ticket|T-1", "value": "T-1"}


@dataclass(frozen=True)
class Generated:
    path: str
    body: bytes
    content_type: str
    signed: bool = True
    query: str = ""


def _bases() -> dict[str, tuple[str, dict[str, Any]]]:
    """A real payload of each kind (how it is sent, the payload)."""
    relay = json.loads(customer_says("toilet is overflowing", "1732550000.000100")[0])
    shortcut = rq.message_shortcut(
        "create_ticket", OPERATOR, RELAY, {"type": "message", "ts": "1.000001", "text": "no balls"}
    )
    values = {"title": {"title": rq.plain_text("Projector dim")}}
    forms = {
        "shortcut": shortcut,
        "global": rq.global_shortcut("new_ticket", OPERATOR),
        "click": rq.block_actions(OPERATOR, [CARD]),
        "view": rq.view_submission(OPERATOR, "ticket_create", values, '{"channel": "C0RELAY"}'),
    }
    bases: dict[str, tuple[str, dict[str, Any]]] = {"event": ("json", relay)}
    for name, (body, _) in forms.items():
        bases[name] = ("payload", json.loads(dict(_form_fields(body))["payload"]))
    bases["command"] = ("form", dict(_form_fields(rq.slash_command("note T-1 hi", OPERATOR)[0])))
    return bases


def _form_fields(body: str) -> list[tuple[str, str]]:
    return parse_qsl(body, keep_blank_values=True)


BASES = _bases()


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path in a payload (dicts only), to pick one to replace."""
    found: list[tuple[str, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(_paths(item, (*prefix, key)))
    return found


def _replaced(payload: dict[str, Any], path: tuple[str, ...], value: Any, drop: bool) -> Any:
    copy = json.loads(json.dumps(payload))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if drop:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copy


def _encoded(how: str, payload: Any) -> tuple[bytes, str]:
    if how == "json":
        return json.dumps(payload).encode(), rq.JSON
    if how == "payload":
        return f"payload={quote(json.dumps(payload))}".encode(), rq.FORM
    fields = payload if isinstance(payload, dict) else {"text": payload}
    return urlencode(
        {k: json.dumps(v) if not isinstance(v, str) else v for k, v in fields.items()}
    ).encode(), rq.FORM


@st.composite
def slack_requests(draw: st.DrawFn) -> Generated:
    how, payload = BASES[draw(st.sampled_from(sorted(BASES)))]
    paths = _paths(payload)
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(paths))
        payload = _replaced(payload, path, draw(JSON_VALUES), draw(st.booleans()))
        paths = _paths(payload) or [("type",)]
    body, content_type = _encoded(how, payload)
    if draw(st.integers(0, 9)) == 0:  # now and then the bytes themselves garbled
        body = draw(st.binary(max_size=200)) + body[: draw(st.integers(0, len(body)))]
    return Generated("/slack/events", body, content_type, signed=draw(st.integers(0, 9)) > 0)


SYSTEM_EVENT = {
    "id": "ev-1",
    "location": "Bedford",
    "event": "projector_offline",
    "device": "projector",
    "bay": 1,
    "occurred_at": "2025-01-31T22:05:00Z",
    "source": "fuzz",
}


@st.composite
def system_events(draw: st.DrawFn) -> Generated:
    body: Any = dict(SYSTEM_EVENT, id=draw(st.text(max_size=20)))
    for key in draw(st.lists(st.sampled_from(sorted(SYSTEM_EVENT)), max_size=3)):
        body[key] = draw(JSON_VALUES)
    raw = json.dumps(body).encode() if draw(st.integers(0, 9)) else draw(st.binary(max_size=100))
    return Generated("/api/system-events", raw, rq.JSON, signed=False)


QUERY_KEYS = ("status", "location", "priority", "category", "assigned", "assignee", "limit")


@st.composite
def ticket_queries(draw: st.DrawFn) -> Generated:
    keys = draw(st.lists(st.sampled_from((*QUERY_KEYS, "cursor", "q")), max_size=4))
    query = urlencode({key: draw(st.text(max_size=30)) for key in keys})
    return Generated("/api/tickets", b"", "", signed=False, query=query)


ANY_REQUEST = slack_requests() | system_events() | ticket_queries()
