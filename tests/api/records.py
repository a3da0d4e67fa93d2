"""Helpers for the records tests: move a job in time, move the service's clock, read codes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from gigstation.platform import clock
from tests.api.conftest import API, Api, bearer

Travel = Callable[[timedelta], None]


@pytest.fixture
def travel(monkeypatch: pytest.MonkeyPatch) -> Travel:
    """Move the service's clock (``platform.clock.now``, what every route passes down) by a
    delta; the database's own clock stays where it is."""
    real = clock.now
    shift = [timedelta(0)]
    monkeypatch.setattr(clock, "now", lambda: real() + shift[0])

    def to(delta: timedelta) -> None:
        shift[0] = delta

    return to


async def schedule(db: asyncpg.Connection[Any], order_id: str, starts_in: timedelta | datetime,
                   length: timedelta = timedelta(hours=4)) -> datetime:
    """The order and its assignments now start ``starts_in`` from now (negative: started), or
    at the moment given."""
    start = starts_in if isinstance(starts_in, datetime) else clock.now() + starts_in
    oid = uuid.UUID(order_id)
    await db.execute("UPDATE orders SET starts_at = $2, ends_at = $3 WHERE id = $1", oid, start, start + length)
    await db.execute("UPDATE assignments SET starts_at = $2, ends_at = $3 WHERE order_id = $1",
                     oid, start, start + length)
    return start


async def code_of(api: Api, worker_token: str, assignment_id: str) -> dict[str, Any]:
    r = await api.client.get(f"{API}/assignments/{assignment_id}/code", headers=bearer(worker_token))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def scan(api: Api, employer_token: str, assignment_id: str, event: str, code: str) -> httpx.Response:
    return await api.client.post(f"{API}/assignments/{assignment_id}/{event}",
                                 headers=bearer(employer_token), json={"code": code})


async def answer(api: Api, token: str, assignment_id: str, what: str,
                 reason: str | None = None) -> httpx.Response:
    body = None if reason is None else {"reason": reason}
    return await api.client.post(f"{API}/assignments/{assignment_id}/hours/{what}",
                                 headers=bearer(token), json=body)


async def assignment(api: Api, token: str, assignment_id: str) -> dict[str, Any]:
    r = await api.client.get(f"{API}/assignments/{assignment_id}", headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json())
