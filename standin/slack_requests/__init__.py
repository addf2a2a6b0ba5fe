"""Signed requests as Slack sends them to the app's `POST /slack/events`.

Every body builder returns `(body, content_type)`: the exact text to sign and send.
Events are JSON; slash commands are a form; interactivity (shortcuts, block actions,
view submissions) is a form with one field, `payload=<urlencoded JSON>`. Shapes follow
Slack's payload docs and bolt-python's own tests (what bolt matches on: `type`,
`callback_id`, `actions[].action_id`/`block_id`, `view.callback_id`, `user.id`,
`team.id`, `api_app_id`, `event.type`/`subtype`).

    body, content_type = slash_command("new printer jam", "U0ALICE", "C0FRONT",
                                       response_url=slack_stub.response_url())
    headers = signed_headers(SECRET, body, content_type)          # or sign() for just
    response = await http.post("/slack/events", content=body, headers=headers)
    # or: response = await post_signed(http, SECRET, (body, content_type))

`sign(secret, body, timestamp=None)` gives the two signature headers; pass an old
`timestamp` (e.g. `int(time.time()) - 301`) to test the 5-minute replay window.

Identities default to the ones `SlackStub` answers in `auth.test` (team `T0TEAM`, app
`A0APP`, bot user `U0BOT`, bot `B0BOT`). Note that bolt drops events whose `user` is the
bot user or whose `bot_id` is the app's bot (IgnoringSelfEvents), so a
`message_event(..., user=BOT_USER_ID)` never reaches a listener.

Inside: `signing`, `events` (Events API), `commands` (slash commands), `interactivity`
(shortcuts, block actions), `views` (modals and input state values), `parts` (what
they share).
"""

from __future__ import annotations

from standin.slack_api import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID
from standin.slack_requests.commands import slash_command
from standin.slack_requests.events import (
    app_home_opened,
    event_callback,
    message_event,
    reaction_added,
    url_verification,
)
from standin.slack_requests.interactivity import (
    block_actions,
    button_action,
    global_shortcut,
    message_shortcut,
)
from standin.slack_requests.parts import (
    DEFAULT_SIGNING_SECRET,
    DEFAULT_USER,
    FORM,
    JSON,
    SlackRequest,
)
from standin.slack_requests.signing import post_signed, sign, signed_headers
from standin.slack_requests.views import (
    conversations_select,
    modal_view,
    multi_users_select,
    plain_text,
    static_select,
    users_select,
    view_closed,
    view_submission,
)

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "DEFAULT_SIGNING_SECRET",
    "DEFAULT_USER",
    "FORM",
    "JSON",
    "TEAM_ID",
    "SlackRequest",
    "app_home_opened",
    "block_actions",
    "button_action",
    "conversations_select",
    "event_callback",
    "global_shortcut",
    "message_event",
    "message_shortcut",
    "modal_view",
    "multi_users_select",
    "plain_text",
    "post_signed",
    "reaction_added",
    "sign",
    "signed_headers",
    "slash_command",
    "static_select",
    "url_verification",
    "users_select",
    "view_closed",
    "view_submission",
]
