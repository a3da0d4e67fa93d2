"""Process hygiene for ``gigstation serve``: one server per port and per data dir, and
worker processes that never outlive the process that started them."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "PARENT_PID_ENV",
    "Busy",
    "die_with_parent",
    "exclusive_lock",
    "port_is_free",
    "reserve_port",
]

PARENT_PID_ENV = "GIGSTATION_SERVER_PID"
"""Set by ``gigstation serve`` for its workers: the process they must not outlive."""

_PR_SET_PDEATHSIG = 1


class Busy(RuntimeError):
    """A port or data directory is already in use by another server."""


def port_is_free(host: str, port: int) -> bool:
    """Whether a listening socket could bind ``host:port`` without sharing it.

    No SO_REUSEPORT here: granian's workers bind with it, so a port they hold refuses
    this probe even though a second granian would silently share it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


@contextlib.contextmanager
def exclusive_lock(path: Path, what: str) -> Iterator[None]:
    """Hold an flock on ``path`` for the block; raise Busy naming the holder's pid if taken.

    The kernel drops the lock when the holder dies, even by kill -9, so a crash never
    leaves a stale lock behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise Busy(f"{what} 正被另一个 gigstation 进程（pid {holder}）使用 / "
                       f"{what} is in use by another gigstation process (pid {holder})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def reserve_port(host: str, port: int) -> Iterator[None]:
    """Fail fast if the port is taken; keep other gigstation servers off it while we run."""
    lock = Path(tempfile.gettempdir()) / f"gigstation-port-{host.replace(':', '_')}-{port}.lock"
    with exclusive_lock(lock, f"端口 / port {host}:{port}"):
        if not port_is_free(host, port):
            raise Busy(f"端口 {host}:{port} 已被占用，请换一个端口（--port）或先停止占用它的程序 / "
                       f"port {host}:{port} is already in use: pick another --port or stop what holds it")
        yield


def die_with_parent(parent_pid: int | None = None) -> None:
    """Make this process die when ``parent_pid`` (default: its parent) goes, however it goes.

    Linux: the kernel sends SIGKILL at the parent's death (PR_SET_PDEATHSIG). Elsewhere, a
    daemon thread polls the parent pid once a second."""
    expected = parent_pid if parent_pid is not None else os.getppid()
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != expected:  # the parent died before the prctl took effect
            os._exit(1)
        return

    def watch() -> None:
        while os.getppid() == expected:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()
