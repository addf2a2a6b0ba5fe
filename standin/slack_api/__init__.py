"""A real HTTP stand-in for the Slack Web API, so the demo and the tests run without Slack.

`SlackStub` (an `HttpStub`) listens on 127.0.0.1 (a free port) in a background thread.
Point the real client at it (the trailing `/api/` of `base_url` matters):

    client = AsyncWebClient(token="xoxb-test", base_url=stub.base_url)
    app = AsyncApp(client=client, signing_secret=SECRET)

It answers the methods the ticket app uses like Slack does, keeping just enough state
to be consistent (messages per channel and thread, reactions, views, users, groups):

- `auth.test` -> team `T0TEAM`, bot user `U0BOT`, bot `B0BOT` (AsyncApp calls it lazily,
  once, on the first request that needs authorization).
- `chat.postMessage` -> unique increasing `ts` ("1732550000.000101", ...), message
  echoed and stored (a `thread_ts` reply goes to the thread; posting to a user id
  answers with a `D...` channel as Slack does). `chat.update`, `chat.delete`,
  `chat.postEphemeral` (`message_ts`), `chat.getPermalink`.
- `conversations.history` (newest first) / `conversations.replies` (parent first):
  what tests preloaded (`set_history`, `set_replies`) plus what the app posted.
  `metadata` is only returned with `include_all_metadata=true`, as on Slack.
  `limit`/`cursor`/`oldest`/`latest`/`inclusive` work. Unknown thread -> `thread_not_found`.
- `views.open` / `views.push` / `views.update` / `views.publish` -> the view back with an
  `id` (and `state`, `hash`, `root_view_id`, ...).
- `reactions.add` / `reactions.remove` (a second add of the same reaction answers
  `already_reacted`, a remove of a missing one `no_reaction`, as on Slack).
- `users.info` (synthesised user unless set with `set_user`), `usergroups.users.list`
  (`set_group_members`; unknown group -> `no_such_subteam`), `conversations.open`,
  `conversations.info`, `files.upload`, `files.getUploadURLExternal` (its `upload_url`
  points back at the stub), `files.completeUploadExternal`, `api.test`.
- Any other method -> `{"ok": true}` (recorded).
- Missing or invalid `Authorization: Bearer xox[bp]-...` -> `{"ok": false, "error":
  "invalid_auth"}` (real Slack says `not_authed` when the token is missing altogether).
- `POST /api/response_url/<n>` (see `response_url()`) is recorded as method
  `"response_url"` and answered `ok` (text), like Slack's response_url endpoint.

Every request is recorded as a `Call` (method, merged args, headers, time, ...):
`stub.calls("chat.postMessage")`, `await stub.wait_for("views.open")` (the app works
after `ack()`, so poll), `stub.wait_for_sync(...)`, `await stub.assert_no_call(...)`.

Faults, consumed in order per method (`"*"` = any method):
`fail_next(method, error=..., times=1)` (HTTP 200, ok false),
`rate_limit_next(method, retry_after=1, times=1)` (HTTP 429 + Retry-After),
`server_error_next(method, status=500, times=1)`, `slow_next(method, seconds)`,
`respond_next(method, body, status=200)`. And at random, seeded:
`fail_randomly(rate, seed=0, late_seconds=2.0, methods=None)` (429, 500, or "late": the
call takes effect but its answer comes after the client gave up).

How slack_sdk 3.48 sends each method (see `Call.encoding`): `chat.postMessage`,
`chat.update`, `chat.postEphemeral`, `views.*` -> JSON body; `auth.test`,
`reactions.*`, `chat.delete`, `files.getUploadURLExternal`,
`files.completeUploadExternal` -> POST with the arguments in the query string and an
empty form body; `conversations.history/replies`, `users.info`, `chat.getPermalink`,
`usergroups.users.list` -> GET with a query string. `Call.body` merges all of them.

Use the class as a context manager, `with SlackStub() as stub: ...`; the tests get one
started per test from the `slack_stub` fixture (tests/support/slack_stub_fixture.py).

Inside: `stub` (the server side), `fault_controls` and `faults` (what fails),
`recording` (calls and waiting), `workspace` (the stored state), `methods/` (one module per
API family), `parsing` (arguments however they were sent), `identity` (the ids).
"""

from __future__ import annotations

from standin.slack_api.identity import (
    APP_ID,
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    TS_BASE,
    WORKSPACE_URL,
    JsonDict,
)
from standin.slack_api.recording import Call
from standin.slack_api.stub import SlackStub
from standin.slack_api.workspace import SlackApiStubError

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_NAME",
    "BOT_USER_ID",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "TEAM_NAME",
    "TS_BASE",
    "WORKSPACE_URL",
    "Call",
    "JsonDict",
    "SlackApiStubError",
    "SlackStub",
]
