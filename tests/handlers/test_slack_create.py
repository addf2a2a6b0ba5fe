"""Creating tickets from Slack: the message shortcut's prefilled modal, its submission,
the global shortcut, refusals, and the security of the endpoint."""

from __future__ import annotations

import json
import time

from slack_sdk.models.views import View

from bot.tickets.domain import Category, Source, Status
from standin import slack_requests as rq
from tests.handlers.helpers.surfaces import THREAD_TS, initial, relayed
from tests.support.app_harness import OPERATOR, RELAY, STRANGER, Harness


async def open_modal(h: Harness, text: str) -> dict[str, object]:
    answer = await h.post(rq.message_shortcut("create_ticket", OPERATOR, RELAY, relayed(text)))
    assert answer.status_code == 200
    call = (await h.stub.wait_for("views.open"))[-1]
    view = call["view"]
    return json.loads(view) if isinstance(view, str) else view


async def test_message_shortcut_opens_a_prefilled_modal(harness: Harness) -> None:
    view = await open_modal(harness, "no balls in box 2 :(")
    View(**view).validate_json()
    assert view["callback_id"] == "ticket_create"
    assert initial(view, "location") == "Bedford"
    assert initial(view, "category") == "facilities"
    assert initial(view, "bay") == "2"
    assert "ball" in str(initial(view, "title")).lower()
    assert "no balls in box 2" in str(initial(view, "description"))
    meta = json.loads(str(view["private_metadata"]))
    assert meta == {"channel": RELAY, "thread_ts": THREAD_TS, "customer": "cust_5102"}


async def test_submitting_the_modal_creates_a_linked_ticket_and_posts_its_card(
    harness: Harness,
) -> None:
    view = await open_modal(harness, "no balls in box 2")
    values = {
        "title": {"title": rq.plain_text("No balls in Bay 2")},
        "category": {"category": rq.static_select("facilities")},
        "priority": {"priority": rq.static_select("medium")},
        "location": {"location": rq.static_select("Bedford")},
        "bay": {"bay": {"type": "number_input", "value": "2"}},
        "description": {"description": rq.plain_text("ball tray empty")},
        "assignee": {"assignee": rq.users_select(None)},
        "learnable": {"learnable": {"type": "checkboxes", "selected_options": []}},
    }
    answer = await harness.post(
        rq.view_submission(
            OPERATOR, "ticket_create", values, private_metadata=view["private_metadata"]
        )
    )
    assert answer.status_code == 200
    assert answer.content in (b"", b"{}") or "errors" not in answer.json()
    await harness.settle()
    [ticket] = await harness.tickets()
    assert (ticket.title, ticket.category, ticket.bay, ticket.status) == (
        "No balls in Bay 2",
        Category.FACILITIES,
        2,
        Status.OPEN,
    )
    assert ticket.source == Source.MESSAGE_THREAD
    assert ticket.linked_thread == f"{RELAY}:{THREAD_TS}"
    assert (ticket.submitted_by, ticket.created_by) == ("cust_5102", OPERATOR)
    posts = harness.stub.calls("chat.postMessage")
    in_thread = [c for c in posts if c["channel"] == RELAY and c.get("thread_ts") == THREAD_TS]
    routed = [c for c in posts if c["channel"] == "C0FAC"]
    assert len(in_thread) == 1 and len(routed) == 1
    assert ticket.ticket_id in in_thread[0]["text"]
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["ticket"]


async def test_a_bad_submission_answers_with_errors_in_the_modal(harness: Harness) -> None:
    values = {
        "title": {"title": rq.plain_text("")},
        "category": {"category": rq.static_select("facilities")},
        "priority": {"priority": rq.static_select("medium")},
        "location": {"location": rq.static_select("Bedford")},
        "bay": {"bay": {"type": "number_input", "value": "9"}},
    }
    answer = await harness.post(rq.view_submission(OPERATOR, "ticket_create", values))
    body = answer.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"title", "bay"}
    await harness.settle()
    assert await harness.tickets() == []


async def test_global_shortcut_opens_an_empty_modal_and_makes_a_manual_ticket(
    harness: Harness,
) -> None:
    await harness.post(rq.global_shortcut("new_ticket", OPERATOR))
    view = (await harness.stub.wait_for("views.open"))[-1]["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "ticket_create"
    values = {
        "title": {"title": rq.plain_text("Heater broken in lobby")},
        "category": {"category": rq.static_select("facilities")},
        "priority": {"priority": rq.static_select("high")},
        "location": {"location": rq.static_select("Dartmouth")},
        "bay": {"bay": {"type": "number_input", "value": None}},
    }
    await harness.post(
        rq.view_submission(
            OPERATOR, "ticket_create", values, private_metadata=view["private_metadata"]
        )
    )
    await harness.settle()
    [ticket] = await harness.tickets()
    assert ticket.source == Source.MANUAL and ticket.linked_thread is None
    assert [c["channel"] for c in harness.stub.calls("chat.postMessage")] == ["C0FAC"]


async def test_a_non_operator_is_refused_and_nothing_changes(harness: Harness) -> None:
    answer = await harness.post(
        rq.message_shortcut(
            "create_ticket",
            STRANGER,
            RELAY,
            relayed("no balls"),
            response_url=harness.stub.response_url(),
        )
    )
    assert answer.status_code == 200
    await harness.settle()
    assert harness.stub.count("views.open") == 0
    said = [c for c in harness.stub.calls() if "not allowed" in json.dumps(c.body).lower()]
    assert said, harness.stub.methods()
    values = {
        "title": {"title": rq.plain_text("x")},
        "category": {"category": rq.static_select("tech")},
        "priority": {"priority": rq.static_select("low")},
        "location": {"location": rq.static_select("Bedford")},
    }
    answer = await harness.post(rq.view_submission(STRANGER, "ticket_create", values))
    assert answer.json()["response_action"] == "errors"
    await harness.settle()
    assert await harness.tickets() == []


async def test_bad_or_expired_signatures_are_refused_with_nothing_written(harness: Harness) -> None:
    request = rq.message_shortcut("create_ticket", OPERATOR, RELAY, relayed("no balls"))
    old = await harness.post(request, timestamp=int(time.time()) - 301)
    body, content_type = request
    forged = await harness.http.post(
        "/slack/events",
        content=body.encode(),
        headers={**rq.signed_headers("wrong-secret", body, content_type)},
    )
    missing = await harness.http.post(
        "/slack/events", content=body.encode(), headers={"Content-Type": content_type}
    )
    assert (old.status_code, forged.status_code, missing.status_code) == (401, 401, 401)
    await harness.settle()
    assert harness.stub.count("views.open") == 0
    assert await harness.tickets() == []
