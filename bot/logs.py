"""Logging: readable lines on a terminal, one JSON line per record otherwise, with a
correlation id from context.

Customer text never goes into INFO lines: callers log ids, actions and decisions only;
third-party loggers that might echo a payload (Slack's libraries) speak from WARNING up
unless DEBUG is asked for, and access lines leave out query strings (a dashboard search
is a customer's words). Every line is bounded: long messages and fields are cut.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

LogFormat = Literal["auto", "text", "json"]

# uvicorn adds `color_message`, a copy of the message with terminal colours.
_RESERVED = frozenset(vars(logging.makeLogRecord({})).keys()) | {
    "message",
    "asctime",
    "color_message",
}


# The longest message or field value a line carries, and the longest traceback.
FIELD_MAX = 1_000
TRACEBACK_MAX = 8_000
# Loggers that would echo request bodies at INFO (a failed signature check in Bolt, the
# Socket Mode client's frames): quiet below WARNING unless the level is DEBUG.
TALKATIVE_LOGGERS = ("slack_bolt", "slack_sdk")


def bounded(text: str, limit: int = FIELD_MAX) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def _bounded_value(value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    return bounded(value if isinstance(value, str) else str(value))


class AccessWithoutQuery(logging.Filter):
    """uvicorn's access line without the query string: `GET /?q=... 200` → `GET / 200`."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


def new_correlation_id() -> str:
    value = uuid.uuid4().hex[:12]
    correlation_id.set(value)
    return value


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record's extra fields and the correlation id."""
    extra = {
        k: _bounded_value(v)
        for k, v in vars(record).items()
        if k not in _RESERVED and not k.startswith("_")
    }
    cid = correlation_id.get()
    return {"correlation_id": cid, **extra} if cid is not None else extra


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": bounded(record.getMessage()),
            **_fields(record),
        }
        if record.exc_info:
            line["exc"] = bounded(self.formatException(record.exc_info), TRACEBACK_MAX)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """`12:03:04 INFO  clubos.runtime  serve.start host=127.0.0.1 port=3000`"""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        pairs = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        message = bounded(record.getMessage())
        line = f"{at} {record.levelname:<7} {record.name}  {message} {pairs}".rstrip()
        if record.exc_info:
            line += "\n" + bounded(self.formatException(record.exc_info), TRACEBACK_MAX)
        return line


def _readable(fmt: LogFormat, stream: TextIO) -> bool:
    return fmt == "text" or (fmt == "auto" and stream.isatty())


def configure(level: str, fmt: LogFormat = "auto", *, log_file: Path | None = None) -> None:
    """Log to stderr at `level`; with `log_file`, everything from `level` up goes to the
    file as readable lines and only warnings reach the terminal (the demo's console)."""
    terminal = logging.StreamHandler(sys.stderr)
    terminal.setFormatter(TextFormatter() if _readable(fmt, sys.stderr) else JsonFormatter())
    handlers: list[logging.Handler] = [terminal]
    if log_file is not None:
        terminal.setLevel(logging.WARNING)
        to_file = logging.FileHandler(log_file, encoding="utf-8")
        to_file.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
        handlers.append(to_file)
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(level.upper())
    # Alembic announces its dialect on every schema check; only its warnings matter here.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
    quiet = root.level if root.level <= logging.DEBUG else logging.WARNING
    for name in TALKATIVE_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessWithoutQuery) for f in access.filters):
        access.addFilter(AccessWithoutQuery())
