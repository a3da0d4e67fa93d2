"""``gigstation demo`` on a busy port refuses before it writes anything."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from gigstation.cli import main


def test_demo_refuses_a_busy_port_before_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        data = tmp_path / "demo"
        assert main(["demo", "--data-dir", str(data), "--port", str(port)]) == 2
    assert "already in use" in capsys.readouterr().err
    assert not data.exists(), "nothing may be written before the port is known to be free"
