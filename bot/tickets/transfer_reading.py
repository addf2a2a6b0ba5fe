"""Reading an import file one ticket at a time (ijson): a file of 100,000 tickets is never
held whole, so an import's memory does not grow with the file."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from bot.tickets.transfer_validation import json_kind

# What a file holds, by the parser's first event, when that is not a list's start.
KIND_OF_EVENT = {"start_map": {}, "string": "", "number": 0, "boolean": False, "null": None}
WHITESPACE = b" \t\r\n"


class UnreadableFile(Exception):
    """The file is not a JSON list (or not JSON, or not readable); the message says why."""


def json_items(path: Path) -> Iterator[Any]:
    """Each item of the JSON list in the file at `path`, in order (UnreadableFile when
    the file is not one; items before the fault may have been yielded)."""
    try:
        with path.open("rb") as raw:
            yield from _items(raw, path.name)
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}") from None


def _items(raw: BinaryIO, name: str) -> Iterator[Any]:
    try:
        if _first_character(raw) != "[":
            first = next(ijson.parse(raw), ("", "", None))
            kind = json_kind(KIND_OF_EVENT.get(first[1]))
            raise UnreadableFile(
                f"{name} holds {kind}, but an import needs a JSON list of ticket objects "
                "([{...}, {...}])."
            )
        # The file itself, not events: ijson's C parser then builds the items too.
        yield from ijson.items(raw, "item", use_float=True)
    except ijson.JSONError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnreadableFile(
            f"{name} is not valid JSON ({reason}). Expected a JSON list of ticket objects."
        ) from None
    except UnicodeDecodeError:
        raise UnreadableFile(f"{name} is not UTF-8 text.") from None


def _first_character(raw: BinaryIO) -> str:
    """The file's first character past a byte-order mark and whitespace ("" when none);
    the file is left where it was, past the mark."""
    if raw.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
        raw.seek(0)  # a byte-order mark is skipped; any other start is read
    at = raw.tell()
    head = raw.read(4096).lstrip(WHITESPACE)
    raw.seek(at)
    return head[:1].decode("latin-1")
