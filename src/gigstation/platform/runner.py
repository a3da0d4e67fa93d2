"""What every command of the ``gigstation`` CLI starts with: settings from the command line
and the environment, and a database (the configured one, or the embedded server).

Kept below the CLI modules (``cli.py``, ``oversight/cli.py``) so that they share it without
importing each other."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from gigstation.platform.config import Settings

__all__ = ["STOP_SIGNALS", "database", "database_shared", "settings_from_args"]


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with ``--data-dir`` when the command has one."""
    data_dir = getattr(args, "data_dir", None)
    return Settings.from_env(data_dir=str(data_dir) if data_dir else None)


STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[Settings]:
    """Settings with a database URL: the configured one, or an embedded server for the block."""
    if settings.database_url:
        yield settings
        return
    from gigstation.platform.db import embedded_postgres

    print(f"启动内置 PostgreSQL / starting embedded PostgreSQL in {settings.data_dir}/pg",
          file=sys.stderr)
    # A stop signal while PostgreSQL starts would leave it running (the start is not inside
    # the block that stops it): hold such a signal until it is, then take it at once.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        with embedded_postgres(settings.data_path) as url:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            yield Settings.from_env(database_url=url, data_dir=settings.data_dir)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)



def _running_server_url(data_dir: Path) -> str | None:
    """The URL of the embedded PostgreSQL a live ``gigstation serve`` runs on ``data_dir``, if any."""
    from gigstation.platform.processes import Busy, exclusive_lock

    lock = data_dir / "gigstation.lock"
    if not lock.exists():
        return None
    try:
        with exclusive_lock(lock, "data dir"):
            return None  # nobody holds the data dir: no server is running on it
    except Busy:
        pass
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata((data_dir / "pg").resolve())
    if info is None or not info.is_running():
        return None
    url: str = info.get_uri()
    return url


@contextlib.contextmanager
def database_shared(settings: Settings) -> Iterator[Settings]:
    """Like `database`, but a server already running on the data dir is used, not refused
    (``backup`` and ``migrate --check`` run beside the service)."""
    if not settings.database_url:
        url = _running_server_url(settings.data_path)
        if url is not None:
            yield Settings.from_env(database_url=url, data_dir=settings.data_dir)
            return
    with database(settings) as ready:
        yield ready
