"""A Web API call's arguments, however slack_sdk sent them (query, JSON, form, multipart)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs

from standin.slack_api.identity import JsonDict

#: Keys slack_sdk JSON-encodes when it sends arguments as form fields or query strings.
_JSON_FIELDS = frozenset({"blocks", "attachments", "view", "metadata", "files", "unfurls"})

_TRUE = (True, 1, "1", "true", "True")


def parse_args(query: str, headers: Mapping[str, str], raw: bytes) -> tuple[JsonDict, str]:
    """The query string and body merged (body wins), and how they came (`Call.encoding`)."""
    args = _flatten(parse_qs(query, keep_blank_values=True))
    content_type = headers.get("content-type", "")
    body, encoding = _parse_body(raw, content_type) if raw else ({}, "")
    merged = {**args, **body}
    for key in _JSON_FIELDS & merged.keys():
        value = merged[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                merged[key] = json.loads(value)
    return merged, encoding or ("query" if args else "empty")


def _parse_body(raw: bytes, content_type: str) -> tuple[JsonDict, str]:
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "application/json":
        loaded = json.loads(raw)
        return (loaded if isinstance(loaded, dict) else {"_json": loaded}), "json"
    if mime == "application/x-www-form-urlencoded":
        return _flatten(parse_qs(raw.decode("utf-8"), keep_blank_values=True)), "form"
    if mime == "multipart/form-data":
        return _parse_multipart(raw, content_type), "multipart"
    return {}, "raw"


def _flatten(values: Mapping[str, list[str]]) -> JsonDict:
    return {k: v[0] if len(v) == 1 else list(v) for k, v in values.items()}


def _parse_multipart(raw: bytes, content_type: str) -> JsonDict:
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
    )
    out: JsonDict = {}
    if not message.is_multipart():
        return out
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        out[name] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    return out


def truthy(value: Any) -> bool:
    """A boolean argument as slack_sdk sends it (True, 1, "1", "true")."""
    return value in _TRUE


def ts_key(ts: Any) -> float:
    """A message ts as a number to sort and compare by (0 for a missing or bad one)."""
    try:
        return float(ts)
    except (TypeError, ValueError):
        return 0.0
