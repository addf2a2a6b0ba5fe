"""The Web API methods the stub answers, one module per API family.

Each handler takes the workspace and the call's arguments (called with the stub's lock
held) and returns the answer without `"ok"`, or raises `SlackApiStubError`. A method
not listed here answers `{"ok": true}`.
"""

from __future__ import annotations

from collections.abc import Callable

from standin.slack_api.identity import JsonDict
from standin.slack_api.methods import chat, conversations, files, people, reactions, views
from standin.slack_api.workspace import Workspace

MethodHandler = Callable[[Workspace, JsonDict], JsonDict]

METHODS: dict[str, MethodHandler] = {
    **chat.METHODS,
    **conversations.METHODS,
    **views.METHODS,
    **reactions.METHODS,
    **people.METHODS,
    **files.METHODS,
}
