"""Phones for the province tests: event streams held open on a host, and a client that
retries an action on another host when one fails (as a phone app behind a load balancer)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import json as _json
import random
import time
from dataclasses import dataclass, field
from typing import Any


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


class TransportError(Exception):
    """The host could not be reached, or the connection broke before the answer."""


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


class Client:
    """A small HTTP/1.1 keep-alive client over asyncio streams: the phones' side of a load
    test must cost little CPU, and httpx measured 44 req/s at 128 connections here where
    raw streams did 1,786 (the 2-core machine runs the servers too)."""

    def __init__(self, timeout: float = 30.0, per_host: int = 64) -> None:
        self.timeout = timeout
        self.per_host = per_host
        self._idle: dict[str, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for conns in self._idle.values():
            for _, writer in conns:
                writer.close()
        self._idle.clear()

    async def request(self, method: str, url: str, json: Any = None,
                      headers: dict[str, str] | None = None) -> Answer:
        base, _, path = url.removeprefix("http://").partition("/")
        slot = self._slots.setdefault(base, asyncio.Semaphore(self.per_host))
        async with slot:
            try:
                return await asyncio.wait_for(self._exchange(base, method, "/" + path, json, headers), self.timeout)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                raise TransportError(repr(exc)) from exc

    async def _exchange(self, base: str, method: str, path: str, body: Any,
                        headers: dict[str, str] | None) -> Answer:
        idle = self._idle.setdefault(base, [])
        if idle:
            reader, writer = idle.pop()
        else:
            ip, port = base.split(":")
            reader, writer = await asyncio.open_connection(ip, int(port))
        try:
            data = b"" if body is None else _json.dumps(body).encode()
            lines = [f"{method} {path} HTTP/1.1", f"Host: {base}", f"Content-Length: {len(data)}"]
            if body is not None:
                lines.append("Content-Type: application/json")
            lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
            await writer.drain()
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(head[0].split(" ")[1])
            got = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:] if h)}
            if "content-length" in got:
                content = await reader.readexactly(int(got["content-length"]))
            elif got.get("transfer-encoding") == "chunked":
                content = b""
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    chunk = await reader.readexactly(size + 2)
                    if size == 0:
                        break
                    content += chunk[:-2]
            else:
                content = await reader.read()
        except BaseException:
            writer.close()
            raise
        if got.get("connection", "").lower() == "close":
            writer.close()
        else:
            idle.append((reader, writer))
        return Answer(status, got, content)


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
    client: Client
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
            except (TransportError, ValueError) as exc:
                outcome = Outcome(0, repr(exc), host, time.monotonic() - t0)
            self.attempts.append(outcome)
            if outcome.status not in (0, 502, 503, 504):
                return outcome
            if time.monotonic() - start > self.give_up_s:
                return outcome
            wait = min(float(outcome.retry_after or 0.2), 2.0)
            await asyncio.sleep(wait * random.uniform(0.5, 1.0))
            i += 1
