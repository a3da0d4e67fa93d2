"""Phones for the province tests: event streams held open on a host, and a client that
retries an action on another host when one fails (as a phone app behind a load balancer)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Stream:
    """One phone's ``GET /api/v1/events`` on one host (raw HTTP/1.1, as an EventSource)."""

    host: str
    token: str
    last_event_id: int | None = None
    events: list[tuple[int, str, float, dict[str, Any]]] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        ip, port = self.host.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(ip, int(port))
        self._writer = writer
        extra = f"Last-Event-ID: {self.last_event_id}\r\n" if self.last_event_id is not None else ""
        writer.write(f"GET /api/v1/events HTTP/1.1\r\nHost: {ip}\r\nAuthorization: Bearer {self.token}\r\n"
                     f"Accept: text/event-stream\r\n{extra}\r\n".encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"stream refused: {head[:200]!r}")
        self._task = asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        event_id, kind, data = None, "", ""
        while True:
            raw = await reader.readline()
            if not raw:
                return
            line = raw.decode(errors="replace").rstrip("\r\n")
            if line.startswith(":") and "connected" in line:
                self.connected.set()
            elif line.startswith("id:"):
                event_id = int(line[3:].strip())
            elif line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif line == "" and event_id is not None:
                self.events.append((event_id, kind, time.time(), json.loads(data) if data else {}))
                self.last_event_id = event_id
                event_id, kind, data = None, "", ""

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await self._writer.wait_closed()


@dataclass
class Outcome:
    status: int
    body: Any
    host: str
    seconds: float
    retry_after: str | None = None


@dataclass
class Phones:
    """Sends actions to the hosts, moving to the next host on a failure (connection refused,
    reset, 502/503), honouring Retry-After, with the same Idempotency-Key each time."""

    hosts: list[str]
    client: httpx.AsyncClient
    attempts: list[Outcome] = field(default_factory=list)
    give_up_s: float = 60.0

    async def send(self, method: str, path: str, token: str, body: Any = None, key: str | None = None,
                   first: int | None = None) -> Outcome:
        start = time.monotonic()
        i = random.randrange(len(self.hosts)) if first is None else first
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        while True:
            host = self.hosts[i % len(self.hosts)]
            t0 = time.monotonic()
            try:
                r = await self.client.request(method, host + path, json=body, headers=headers)
                outcome = Outcome(r.status_code, r.json() if r.content else None, host, time.monotonic() - t0,
                                  r.headers.get("retry-after"))
            except (httpx.TransportError, ValueError) as exc:
                outcome = Outcome(0, repr(exc), host, time.monotonic() - t0)
            self.attempts.append(outcome)
            if outcome.status not in (0, 502, 503, 504):
                return outcome
            if time.monotonic() - start > self.give_up_s:
                return outcome
            wait = min(float(outcome.retry_after or 0.2), 2.0)
            await asyncio.sleep(wait * random.uniform(0.5, 1.0))
            i += 1
