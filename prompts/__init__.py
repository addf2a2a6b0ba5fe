"""LLM prompt files, versioned in the repo and loaded by name."""

from __future__ import annotations

from functools import cache
from importlib import resources


class UnknownPrompt(LookupError):
    pass


@cache
def load(name: str) -> str:
    """The text of `prompts/<name>.md`."""
    resource = resources.files(__package__).joinpath(f"{name}.md")
    if not resource.is_file():
        raise UnknownPrompt(f"no prompt named {name!r} in prompts/")
    return resource.read_text(encoding="utf-8")
