"""One SIGTERM at any moment of ``gigstation serve``'s start-up stops the server, its workers
and its embedded PostgreSQL within a few seconds (systemd stops services with SIGTERM)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.test_startup import _free_port, _postgres_running, _reaped, _serve, _tree, _wait_ready

pytestmark = pytest.mark.slow  # about a dozen short server starts
STOP_WITHIN_S = 10.0
"""A few seconds on a quiet machine; the slack is for a loaded CI machine."""


def _stop_and_check(proc: subprocess.Popen[bytes], data: Path, log: Path, when: str) -> None:
    family = _tree(proc.pid)
    proc.send_signal(signal.SIGTERM)
    began = time.monotonic()
    try:
        proc.wait(STOP_WITHIN_S + 20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"SIGTERM {when}: still running after {STOP_WITHIN_S + 20:.0f} s\n{log.read_text()[-3000:]}")
    took = time.monotonic() - began
    deadline = time.monotonic() + 5
    while (alive := [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]):
        if time.monotonic() > deadline:
            pytest.fail(f"SIGTERM {when}: left behind {[p.name() for p in alive]}")
        time.sleep(0.1)
    assert not _postgres_running(data), f"SIGTERM {when}: the embedded PostgreSQL is still running"
    assert took < STOP_WITHIN_S, f"SIGTERM {when}: took {took:.1f} s\n{log.read_text()[-3000:]}"


def test_sigterm_at_many_points_of_the_start_up_stops_everything(tmp_path: Path) -> None:
    data = tmp_path / "data"
    log = tmp_path / "serve.log"
    # The first start makes the database (initdb); later ones restart it, like a real restart.
    first = _serve(data, _free_port(), log)
    with _reaped(first):
        port = int(first.args[first.args.index("--port") + 1])  # type: ignore[index, union-attr, operator]
        _wait_ready(first, port, log)
        _stop_and_check(first, data, log, "when ready")
    for delay in (0.05, 0.4, 0.9, 1.4, 1.9, 2.4, 2.9, 3.5, 4.5, 6.0):
        proc = _serve(data, _free_port(), log)
        with _reaped(proc):
            time.sleep(delay)
            if proc.poll() is not None:
                pytest.fail(f"server exited by itself:\n{log.read_text()[-3000:]}")
            _stop_and_check(proc, data, log, f"{delay} s after launch")
    with contextlib.suppress(FileNotFoundError):
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
