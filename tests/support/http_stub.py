"""Serving a stand-in of `standin.http_server` for the length of one test.

`serve_during_test` is the body of the `slack_stub` and `openai_stub` fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from standin.http_server import HttpStub

StubT = TypeVar("StubT", bound=HttpStub)


def serve_during_test(stub: StubT, name: str) -> Iterator[StubT]:
    """The body of a stub fixture: `stub` started for one test and closed after it.

    Fails the test at teardown when the stub itself hit errors (a bug in a handler, an
    unparsable body, a test's answer callable that raised), which would otherwise only
    show up as a 500 the app copes with.
    """
    with stub:
        yield stub
        if stub.errors:
            raise AssertionError(f"{name}: errors while answering: {stub.errors!r}")
