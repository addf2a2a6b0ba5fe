"""The model runs in a process of its own (bot/triage/model_worker.py): the same vectors
as the forward pass run here, at a lower CPU priority than the service, started again when
it dies, gone when the service goes, and a model that cannot load says why."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.triage.e5_encoder import E5Encoder
from bot.triage.e5_file import shipped_model
from bot.triage.model_worker import MODEL_NICENESS, ModelProcess, ModelUnavailable

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="/proc and priorities: Linux")

TEXTS = ["no balls left in bay 2", "le projecteur de la baie 3 clignote", ""]


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # ended; a zombie waits only for its parent to reap it


def _wait_until_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def model() -> Iterator[ModelProcess]:
    started = ModelProcess()
    yield started
    started.close()


def test_the_model_answers_from_its_own_lower_priority_process(model: ModelProcess) -> None:
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert model.pid is not None and model.pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, model.pid) == min(19, ours + MODEL_NICENESS)
    here = E5Encoder(shipped_model()).query(TEXTS)
    np.testing.assert_array_equal(model.query(TEXTS), here)
    assert os.getpriority(os.PRIO_PROCESS, 0) == ours


def test_a_killed_model_is_started_again_for_the_request_in_flight(model: ModelProcess) -> None:
    first = model.pid
    assert first is not None
    before = model.query(TEXTS[:1])
    os.kill(first, signal.SIGKILL)
    assert _wait_until_gone(first)
    np.testing.assert_array_equal(model.query(TEXTS[:1]), before)
    assert model.pid not in (None, first)


def test_the_model_ends_when_the_service_is_killed(tmp_path: Path) -> None:
    script = (
        "import sys, time; sys.path[:0] = [sys.argv[1]]\n"
        "from bot.triage.model_worker import ModelProcess\n"
        "model = ModelProcess(); print(model.pid, flush=True); time.sleep(60)\n"
    )
    root = str(Path(__file__).resolve().parents[2])
    service = subprocess.Popen(
        [sys.executable, "-c", script, root], stdout=subprocess.PIPE, text=True
    )
    try:
        assert service.stdout is not None
        child = int(service.stdout.readline())
        assert not _gone(child)
    finally:
        service.kill()
        service.wait()
    assert _wait_until_gone(child)


def test_a_model_that_cannot_load_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The child imports what the service's sys.path finds first: a broken install.
    (tmp_path / "threadpoolctl.py").write_text("raise ImportError('broken install')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModelUnavailable, match="ImportError: broken install"):
        ModelProcess()
