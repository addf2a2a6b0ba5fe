"""What the local-backend tests share: the real embedder with a cache (about 30 ms a
message, so each text is embedded once a session), and the triage CLI run with the network
forbidden."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.triage import engine
from bot.triage.embedding import Embedder, Vectors
from bot.triage.types import Classifier, TriageDecision, TriageInput
from tests.support.paths import REPO
from tests.triage.helpers import LOCATIONS

# Any attempt at the network in the child process fails loudly, whatever the machine.
NO_NETWORK = """
import sys
def guard(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
        raise RuntimeError("network used: " + event)
sys.addaudithook(guard)
from app.cli import main
main()
"""
DEAD_PROXY = "http://127.0.0.1:9"


class CachingEmbedder:
    """The real embedder, each text embedded once; counts the texts it really embedded."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.cache: dict[str, Vectors] = {}
        self.embedded = 0

    def embed(self, texts: Sequence[str]) -> Vectors:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            for text, row in zip(missing, self.real.embed(missing), strict=True):
                self.cache[text] = row
            self.embedded += len(missing)
        return np.stack([self.cache[t] for t in texts]) if texts else self.real.embed([])


def triage_offline(
    *args: str, cwd: Path, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`clubos-tickets triage ARGS` in a subprocess that may not touch the network: HTTP(S)
    proxies at a dead port, and any socket connect or name lookup raises."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "OPENAI_", "DATABASE_"))
        and key not in {"CLUBOS_CONFIG", "TRIAGE_BACKEND"}
    }
    clean.update(
        HTTP_PROXY=DEAD_PROXY,
        HTTPS_PROXY=DEAD_PROXY,
        http_proxy=DEAD_PROXY,
        https_proxy=DEAD_PROXY,
        HF_HUB_OFFLINE="1",
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), clean.get("PYTHONPATH")) if p),
    )
    command = [sys.executable, "-c", NO_NETWORK, "triage", *args]
    return subprocess.run(
        command, cwd=cwd, env=clean | env, capture_output=True, text=True, timeout=timeout
    )


async def decide(classifier: Classifier, text: str, **fields: object) -> TriageDecision:
    """`classifier`'s decision through the whole pipeline on a Bedford message (`fields`
    set more of the input)."""
    given: dict[str, object] = {"location": "Bedford", "known_locations": LOCATIONS, **fields}
    return await engine.triage(TriageInput(text=text, **given), classifier)  # type: ignore[arg-type]
