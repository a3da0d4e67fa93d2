"""Helpers for the operations tests: real ``gigstation`` processes on private data dirs."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from pgserver.utils import PostmasterInfo  # type: ignore[import-untyped]

from tests.test_startup import _env

ADMIN_PHONE = "13811112222"
ADMIN_PASSWORD = "admin-password-for-ops"
API = "/api/v1"


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """A private directory: pytest's shared basetemp may be pruned by other sessions."""
    with tempfile.TemporaryDirectory(prefix="gigstation-ops-") as tmp:
        yield Path(tmp)


def ops_env(**extra: str) -> dict[str, str]:
    """The start-up tests' environment, with a first administrator."""
    env = _env()
    env.update({"GIGSTATION_ADMIN_PHONE": ADMIN_PHONE, "GIGSTATION_ADMIN_PASSWORD": ADMIN_PASSWORD})
    env.update(extra)
    return env


def gigstation(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run one ``gigstation`` command to its end."""
    return subprocess.run([sys.executable, "-m", "gigstation.cli", *args], env=env or ops_env(),
                          capture_output=True, text=True, timeout=timeout, check=False)


def serve(data_dir: Path, port: int, log: Path, env: dict[str, str] | None = None,
          *extra: str) -> subprocess.Popen[bytes]:
    """``gigstation serve`` with two workers, output to ``log``."""
    return subprocess.Popen(
        [sys.executable, "-m", "gigstation.cli", "serve", "--data-dir", str(data_dir), "--port", str(port),
         "--workers", "2", *extra], env=env or ops_env(), stdout=log.open("ab"), stderr=subprocess.STDOUT)


def embedded_url(data_dir: Path) -> str:
    """The URL of the embedded PostgreSQL a running server holds on ``data_dir``."""
    info = PostmasterInfo.read_from_pgdata((data_dir / "pg").resolve())
    assert info is not None and info.is_running()
    return str(info.get_uri())


def query(url: str, sql: str, *args: Any) -> list[Any]:
    """Rows of one query."""
    async def go() -> list[Any]:
        conn = await asyncpg.connect(url)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()
    return asyncio.run(go())


def admin_token(base: str) -> str:
    r = httpx.post(f"{base}{API}/auth/login", json={"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def simulate(data_dir: Path, workers: int = 20, stations: int = 2) -> None:
    """A simulated day written into a new data dir."""
    done = gigstation("simulate", "--workers", str(workers), "--stations", str(stations), "--data-dir",
                      str(data_dir))
    assert done.returncode == 0, done.stderr[-3000:]


def sim_day(url: str) -> str:
    """The simulated day (local date of its orders)."""
    rows = query(url, "SELECT min((starts_at AT TIME ZONE 'Asia/Shanghai')::date)::text AS d FROM orders")
    return str(rows[0]["d"])


__all__ = ["ADMIN_PASSWORD", "ADMIN_PHONE", "API", "admin_token", "embedded_url", "gigstation", "ops_env",
           "os", "query", "serve", "sim_day", "simulate"]
