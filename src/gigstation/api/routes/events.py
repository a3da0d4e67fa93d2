"""Server-sent events for the signed-in user (and an operator's stations)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.response import ServerSentEvent, ServerSentEventMessage

from gigstation.api.runtime import Runtime
from gigstation.platform import events
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.stations import registry as stations

__all__ = ["EventController"]

KEEPALIVE_S = 15.0
RETRY_MS = 1000
"""How soon a browser reconnects after the stream drops (the default is about 3 s; a phone
coming back online should see its offers at once)."""


def _message(event: events.Event) -> ServerSentEventMessage:
    body = {"id": event.id, "kind": event.kind, "at": event.created_at, **event.payload}
    return ServerSentEventMessage(data=msgspec.json.encode(body).decode(), event=event.kind,
                                  id=event.id)


class EventController(Controller):
    path = "/events"
    tags = ["events"]

    @get("/", summary="实时事件流 / Server-sent events")
    async def stream(self, request: Request[Principal, Any, Any], rt: Runtime) -> ServerSentEvent:
        who = request.user
        hub: events.EventHub = request.app.state.event_hub
        async with transaction(rt.pool) as conn:
            watched = sorted(await stations.operator_station_ids(conn, who.user_id)) \
                if who.role == "operator" else []
        last_id = request.headers.get("last-event-id", "")
        # Subscribe before reading the backlog, so nothing falls between the two.
        sub = hub.subscribe(who.user_id, watched)

        async def stream() -> AsyncIterator[ServerSentEventMessage]:
            try:
                seen = 0
                if last_id.isdigit():
                    async with transaction(rt.pool) as conn:
                        for event in await events.missed_events(conn, int(last_id), who.user_id, watched):
                            seen = event.id
                            yield _message(event)
                yield ServerSentEventMessage(comment="connected", data=None, retry=RETRY_MS)
                while True:
                    try:
                        event = await asyncio.wait_for(sub.queue.get(), KEEPALIVE_S)
                    except TimeoutError:
                        yield ServerSentEventMessage(comment="keepalive")
                        continue
                    if event.id > seen:
                        yield _message(event)
            finally:
                hub.unsubscribe(sub)

        return ServerSentEvent(stream())
