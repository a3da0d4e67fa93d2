"""GET /events over a real HTTP server: an offer committed by a dispatch reaches the worker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import uvicorn

from gigstation.application import create_app
from gigstation.platform.config import Settings
from tests.api.conftest import API, Api


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def server(settings: Settings, db: asyncpg.Connection[Any]) -> AsyncIterator[str]:
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve())
    for _ in range(100):
        if srv.started:
            break
        await asyncio.sleep(0.05)
    yield f"127.0.0.1:{port}"
    srv.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)


async def _open_stream(address: str, token: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = address.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {API}/events HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"text/event-stream" in head
    return reader, writer


async def _next_event(reader: asyncio.StreamReader, kind: str) -> dict[str, Any]:
    """Read SSE lines (chunked framing lines are skipped) until an event of ``kind``."""
    current = None
    while True:
        line = (await asyncio.wait_for(reader.readline(), 5)).decode().strip()
        if line.startswith("event:"):
            current = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and current == kind:
            return dict(json.loads(line.split(":", 1)[1]))


async def test_dispatched_offer_is_pushed_to_the_worker(server: str, settings: Settings) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://{server}") as http:
        api = Api(http)  # type: ignore[arg-type]  # same request API as the test client
        admin = await api.admin()
        station = await api.station(admin)
        _, operator = await api.operator(admin, [station["id"]])
        worker, worker_token = await api.worker()
        _, employer = await api.employer()
        order = await api.order(employer)
        await api.checkin(worker_token, station["id"])
        reader, writer = await _open_stream(server, worker_token)
        try:
            r = await http.post(f"{API}/stations/{station['id']}/dispatch",
                                headers={"Authorization": f"Bearer {operator}"})
            assert r.status_code == 201, r.text
            event = await _next_event(reader, "offer.new")
            assert event["order_id"] == order["id"]
            assert event["offer_id"] == r.json()["offers"][0]["id"]
            assert r.json()["offers"][0]["worker_id"] == worker["id"]
        finally:
            writer.close()


async def test_events_need_a_token(server: str) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://{server}") as http:
        r = await http.get(f"{API}/events")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
