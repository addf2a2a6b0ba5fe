"""No customer text at INFO from any logger, and every line bounded: Slack's libraries are
quiet below WARNING, access lines lose their query strings, long messages and fields are
cut. Shown on the app itself: bad requests sent while logs are captured."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot import logs
from standin import slack_requests as rq
from tests.support.app_harness import Harness
from tests.support.relay import customer_says

CUSTOMER_TEXT = "Jane Doe 902-555-0199 the toilet is overflowing"


@pytest.fixture
def configured() -> Iterator[io.StringIO]:
    """The app's logging at INFO, JSON lines into a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    logs.configure("INFO", "json")
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


async def test_bad_requests_log_no_customer_text_and_no_long_line(
    harness: Harness, configured: io.StringIO
) -> None:
    body, content_type = customer_says(CUSTOMER_TEXT, "1.000001")
    await harness.http.post("/slack/events", content=body, headers={"Content-Type": content_type})
    stale = rq.sign(rq.DEFAULT_SIGNING_SECRET, body, timestamp=1)
    await harness.http.post(
        "/slack/events", content=body, headers={"Content-Type": content_type, **stale}
    )
    await harness.http.post("/slack/events", content=b"{" + b"a" * 900_000)
    signed_bad = json.dumps({"type": "event_callback", "event": CUSTOMER_TEXT})
    assert (await harness.post((signed_bad, rq.JSON))).status_code == 400
    assert (await harness.post(customer_says(CUSTOMER_TEXT, "1.000002"))).status_code == 200
    await harness.settle()
    lines = configured.getvalue().splitlines()
    assert any('"slack.refused"' in line for line in lines)
    assert not [line for line in lines if "555-0199" in line]
    assert max(len(line) for line in lines) < 5_000


def test_slack_libraries_are_quiet_below_warning_unless_debug(configured: io.StringIO) -> None:
    for name in logs.TALKATIVE_LOGGERS:
        logging.getLogger(f"{name}.app").info("request body: %s", CUSTOMER_TEXT)
    assert CUSTOMER_TEXT not in configured.getvalue()
    logs.configure("DEBUG", "json")
    assert logging.getLogger("slack_bolt").getEffectiveLevel() == logging.DEBUG


def test_access_lines_lose_the_query_string(configured: io.StringIO) -> None:
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/?q=overflowing+toilet", "1.1", 200
    )
    [line] = configured.getvalue().splitlines()
    assert json.loads(line)["msg"] == '127.0.0.1:5000 - "GET / HTTP/1.1" 200'
    assert "overflowing" not in line


def test_long_messages_fields_and_tracebacks_are_cut(configured: io.StringIO) -> None:
    try:
        raise ValueError("x" * 50_000)
    except ValueError:
        logging.getLogger("anything").exception("m" * 50_000, extra={"field": "f" * 50_000})
    [line] = configured.getvalue().splitlines()
    record = json.loads(line)
    assert len(line) < logs.FIELD_MAX * 3 + logs.TRACEBACK_MAX + 500
    assert record["msg"].endswith("more characters]")
    text = logs.TextFormatter().format(logging.makeLogRecord({"msg": "t" * 50_000}))
    assert len(text) < logs.FIELD_MAX + 200
