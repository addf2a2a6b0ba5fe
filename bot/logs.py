"""Logging: readable lines on a terminal, one JSON line per record otherwise, with a
correlation id from context.

Customer text never goes into INFO lines: callers log ids, actions and decisions only.
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


def new_correlation_id() -> str:
    value = uuid.uuid4().hex[:12]
    correlation_id.set(value)
    return value


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record's extra fields and the correlation id."""
    extra = {k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")}
    cid = correlation_id.get()
    return {"correlation_id": cid, **extra} if cid is not None else extra


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """`12:03:04 INFO  clubos.runtime  serve.start host=127.0.0.1 port=3000`"""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        pairs = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        line = f"{at} {record.levelname:<7} {record.name}  {record.getMessage()} {pairs}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
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
