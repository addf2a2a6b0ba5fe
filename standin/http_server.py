"""The one local HTTP server behind the in-process stand-ins of outside services.

`HttpStub` listens on 127.0.0.1 (a free port) in a background thread and hands each
request to `handle()` as a `StubRequest`; the `StubReply` it returns is sent back (a
dict or list as JSON, str or bytes as text). The Slack Web API stand-in
(`standin.slack_api`) and the tests' OpenAI-compatible stub extend it with what their
service says.

Shared by both: `errors` (exceptions hit while answering; the tests' stub fixtures fail
the test on them at teardown), one lock for the stub's state, and `_wakeup`, an event
that ends deliberate waits (slow answers) early when the stub is reset or closed.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass(frozen=True)
class StubRequest:
    """One HTTP request as the stub received it."""

    http_method: str
    #: The path and query string as sent ("/api/chat.postMessage?x=1").
    target: str
    #: Request headers, names lower-cased.
    headers: dict[str, str]
    raw: bytes


@dataclass
class StubReply:
    status: int
    body: Any  # str/bytes -> text/plain; anything else -> JSON
    headers: Mapping[str, str] = field(default_factory=dict)


class DropConnection(Exception):
    """Raised by `HttpStub.handle` to close the connection without any reply."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, stub: HttpStub) -> None:
        self.stub = stub
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away (closed pool, timeout) is expected; stay quiet.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunks()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunks(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            line = self.rfile.readline()
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _dispatch(self, http_method: str) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = StubRequest(http_method, self.path, headers, self._read_body())
        try:
            reply = self.server.stub.handle(request)
        except DropConnection:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(reply)

    def _send(self, reply: StubReply) -> None:
        if isinstance(reply.body, bytes | str):
            data = reply.body.encode() if isinstance(reply.body, str) else reply.body
            content_type = "text/plain; charset=utf-8"
        else:
            data = json.dumps(reply.body).encode()
            content_type = "application/json; charset=utf-8"
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


class HttpStub:
    """A local HTTP server in a background thread; subclasses implement `handle()`."""

    #: The server thread's name (shows in thread dumps of a hanging test).
    thread_name = "http-stub"

    def __init__(self) -> None:
        #: Exceptions raised while answering (a test fixture fails the test on them).
        self.errors: list[BaseException] = []
        self._lock = threading.RLock()
        self._wakeup = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def handle(self, request: StubRequest) -> StubReply:
        """The reply to one request (called in a server thread)."""
        raise NotImplementedError

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._wakeup.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._wakeup.set()  # end any slow answer's wait
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _record_error(self, exc: BaseException) -> None:
        with self._lock:
            self.errors.append(exc)

    def _end_waits(self) -> None:
        """End the slow answers waiting now; later ones wait on a fresh event."""
        with self._lock:
            wakeup, self._wakeup = self._wakeup, threading.Event()
        wakeup.set()
