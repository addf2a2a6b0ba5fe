"""A local stand-in for Slack's Socket Mode: the WebSocket Slack pushes events over when an
app has no public Request URL.

How Slack does it (api.slack.com/apis/connections/socket): the app calls
`apps.connections.open` with its app-level token (`xapp-...`) and gets a one-time `wss://`
URL; on connecting it receives `{"type": "hello"}`; each event, slash command or
interaction then arrives as an envelope `{"envelope_id", "type": "events_api" |
"slash_commands" | "interactive", "payload", "accepts_response_payload", "retry_attempt",
"retry_reason"}`, which the app acknowledges by sending back `{"envelope_id"}` (with a
`payload` where the response carries one); `{"type": "disconnect"}` asks the app to open a
new connection (it calls `apps.connections.open` again) before the old one goes away.

`SocketModeStandIn` serves that WebSocket on 127.0.0.1 (a free port) from a background
thread; attach it to a `SlackStub` (`slack_stub.attach_socket_mode(standin)`) so that
`apps.connections.open` hands out its URLs. The test side is plain blocking calls:
`wait_connected()`, `send(request)` (a signed-request builder's body, turned into its
envelope), `wait_for_ack(envelope_id)`, `disconnect()`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any, Self
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from standin.slack_api.identity import APP_ID
from standin.slack_requests.parts import FORM, SlackRequest

JsonDict = dict[str, Any]


def envelope_of(request: SlackRequest) -> tuple[str, JsonDict]:
    """The Socket Mode envelope type and payload of what HTTP mode would POST: an Events
    API body, a slash command's form, or an interaction's `payload=` form."""
    body, content_type = request
    if content_type != FORM:
        return "events_api", json.loads(body)
    fields = dict(parse_qsl(body, keep_blank_values=True))
    if "payload" in fields:
        return "interactive", json.loads(fields["payload"])
    return "slash_commands", fields


class SocketModeStandIn:
    """Slack's side of Socket Mode connections. See the module docstring."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._sockets: list[web.WebSocketResponse] = []  # open, newest last
        self._retiring: set[int] = set()  # sockets told to disconnect: nothing more sent
        self._acks: dict[str, JsonDict] = {}
        self._numbers = itertools.count(1)
        #: URLs handed out by `apps.connections.open`, and connections made.
        self.urls_issued = 0
        self.connections_opened = 0
        #: Messages from the app that were not a valid ack (a test may assert it is empty).
        self.unexpected: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ---- lifecycle

    def start(self) -> Self:
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(ready,), name="socket-mode-standin", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the Socket Mode stand-in did not start")
        return self

    def close(self) -> None:
        loop, runner = self._loop, self._runner
        if loop is None or runner is None:
            return
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = web.Application()
        app.router.add_get("/link/", self._link)
        self._runner = web.AppRunner(app, handle_signals=False)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._loop = loop
        ready.set()
        loop.run_forever()
        loop.close()

    # ---- what Slack's API side calls

    def issue_url(self) -> str:
        """A new connection URL, as `apps.connections.open` answers it."""
        with self._changed:
            self.urls_issued += 1
            ticket = self.urls_issued
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}"

    # ---- the test side (blocking; any thread but the stand-in's)

    def wait_connected(self, count: int = 1, timeout: float = 10) -> None:
        """Until `count` connections have been opened in all (and one is live)."""
        with self._changed:
            if not self._changed.wait_for(
                lambda: self.connections_opened >= count and self._live() is not None, timeout
            ):
                raise TimeoutError(f"{self.connections_opened} of {count} connections opened")

    def send(self, request: SlackRequest, *, retry_attempt: int = 0, retry_reason: str = "") -> str:
        """Push what HTTP mode would POST as an envelope on the live connection; its id."""
        kind, payload = envelope_of(request)
        envelope_id = f"env-{next(self._numbers)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": retry_reason,
        }
        self._run(self._send_live(json.dumps(envelope)))
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 5) -> JsonDict:
        """The app's acknowledgement of an envelope (with its `payload`, if any)."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(f"envelope {envelope_id} not acknowledged in {timeout} s")
            return self._acks[envelope_id]

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect, as Slack does every few hours; nothing more is sent on
        the connection it was told to leave."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "standin"}}
        self._run(self._send_live(json.dumps(message), retire=True))

    # ---- inside the stand-in's loop

    def _run(self, work: Any) -> None:
        if self._loop is None:
            raise RuntimeError("the Socket Mode stand-in is not started")
        asyncio.run_coroutine_threadsafe(work, self._loop).result(10)

    def _live(self) -> web.WebSocketResponse | None:
        open_now = [s for s in self._sockets if id(s) not in self._retiring and not s.closed]
        return open_now[-1] if open_now else None

    async def _send_live(self, text: str, *, retire: bool = False) -> None:
        deadline = time.monotonic() + 10
        while (socket := self._live()) is None:  # between connections: Slack holds on too
            if time.monotonic() > deadline:
                raise TimeoutError("no live Socket Mode connection")
            await asyncio.sleep(0.02)
        if retire:
            with self._changed:
                self._retiring.add(id(socket))
        await socket.send_str(text)

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "standin", "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }
        )
        with self._changed:
            self._sockets.append(socket)
            self.connections_opened += 1
            self._changed.notify_all()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self._received(message.data)
        finally:
            with self._changed:
                self._sockets.remove(socket)
                self._changed.notify_all()
        return socket

    def _received(self, text: str) -> None:
        try:
            ack = json.loads(text)
        except ValueError:
            ack = None
        with self._changed:
            if isinstance(ack, dict) and isinstance(ack.get("envelope_id"), str):
                self._acks[ack["envelope_id"]] = ack
                self._changed.notify_all()
            else:
                self.unexpected.append(text[:200])
