"""The model in a process of its own: texts in, vectors out, over a private socket pair.

In the service's own process the model's thread shared the GIL with the event loop. Each
of a forward pass's several hundred numpy calls gives the GIL up and must take it back,
and under a burst it waited about as long as it computed (a batch of 64: 1.17 s of wall
clock for 0.58 s of CPU; the model held triage below 45 messages a second). Here it has a
GIL of its own. The process is started with the parent's `sys.path`, in a session of its
own (a terminal's Ctrl-C goes to the service, which decides), and ends when the parent's
end of the pair closes, however the parent ended.

It runs at a lower CPU priority than the service (MODEL_NICENESS), on one BLAS thread:
under a burst the service acks Slack (which retries after 3 s) and the model catches up.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
from numpy.typing import NDArray

MODEL_NICENESS = 10
READY = "ready"
_BOOT = (
    "import json, sys; sys.path[:0] = json.loads(sys.argv[1]); "
    "from bot.triage.model_worker import serve; serve(int(sys.argv[2]))"
)


class ModelUnavailable(RuntimeError):
    """The model's process could not start, or failed on a request: why, from the child."""


class ModelProcess:
    """The parent's side: one request at a time; a child that died is started again once
    per request, so a killed model costs the request in flight nothing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None
        with self._lock:
            self._start()

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    def query(self, texts: Sequence[str]) -> NDArray[np.float32]:
        with self._lock:
            try:
                answer = self._ask(list(texts))
            except (EOFError, OSError):  # the process died: `_ask` starts another
                self._stop()
                answer = self._ask(list(texts))
        if isinstance(answer, str):
            raise ModelUnavailable(answer)
        vectors: NDArray[np.float32] = answer
        return vectors

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _ask(self, texts: list[str]) -> Any:
        if self._connection is None:
            self._start()
        assert self._connection is not None
        self._connection.send(texts)
        return self._connection.recv()

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        with theirs:
            command = [sys.executable, "-c", _BOOT, json.dumps(sys.path), str(theirs.fileno())]
            self._child = subprocess.Popen(
                command,
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._connection = Connection(ours.detach())
        try:
            ready = self._connection.recv()
        except EOFError:
            ready = f"the model's process exited with {self._child.wait()}"
        if ready != READY:
            self._stop()
            raise ModelUnavailable(str(ready))

    def _stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._child is not None:
            self._child.kill()
            self._child.wait()
            self._child = None


def _heap_trimmer() -> Callable[[], object]:
    """What gives the heap's free pages back to the system, where glibc can (else nothing).
    Called when no request waits: a batch's temporaries (10 MB for 64 texts) would stay
    with the process after a burst; trimming takes 0.1-0.3 ms."""
    try:
        malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    return lambda: malloc_trim(0)


def serve(descriptor: int) -> None:
    """The child: load the model, say READY (or why not), then answer until the parent
    goes. A request that fails is answered with its error; the next one is served."""
    parent = Connection(descriptor)
    try:
        from threadpoolctl import threadpool_limits

        from bot.triage.e5_encoder import E5Encoder
        from bot.triage.e5_file import shipped_model

        os.nice(MODEL_NICENESS)
        threadpool_limits(limits=1, user_api="blas")
        encoder = E5Encoder(shipped_model())
    except Exception as exc:  # any failure to load: the parent logs it and uses the rules
        parent.send(f"{type(exc).__name__}: {exc}")
        return
    parent.send(READY)
    release = _heap_trimmer()
    while True:
        if not parent.poll():
            release()
        try:
            texts = parent.recv()
        except EOFError:
            return
        try:
            answer: Any = encoder.query(texts)
        except Exception as exc:
            answer = f"{type(exc).__name__}: {exc}"
        parent.send(answer)
