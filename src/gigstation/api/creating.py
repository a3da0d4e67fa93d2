"""Creating POSTs: one transaction, an audit row (in the service), Idempotency-Key replay."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import msgspec
from litestar import Request, Response

from gigstation.api.runtime import Runtime
from gigstation.api.security import principal_of
from gigstation.platform import idempotency
from gigstation.platform.db import transaction

__all__ = ["create"]

T = TypeVar("T")


async def create(
    request: Request[Any, Any, Any],
    rt: Runtime,
    result_type: type[T],
    make: Callable[[asyncpg.Connection[Any]], Awaitable[T]],
    status_code: int = 201,
) -> Response[T]:
    """Run ``make`` in a transaction; with an Idempotency-Key, replay the first answer."""
    key = request.headers.get("idempotency-key")
    async with transaction(rt.pool) as conn:
        if key is not None:
            who = principal_of(request)
            # Anonymous keys (registrations) are scoped by client address, so two strangers
            # who both pick the key "1" do not collide.
            client = request.client.host if request.client else "unknown"
            scope = str(who.user_id) if who else f"anonymous:{client}"
            fingerprint = idempotency.request_fingerprint(
                request.method, request.url.path, await request.body()
            )
            stored = await idempotency.claim(conn, scope, key, fingerprint)
            if stored is not None:
                replay = msgspec.json.decode(stored.body, type=result_type)
                return Response(replay, status_code=stored.status_code,
                                headers={"Idempotent-Replayed": "true"})
        result = await make(conn)
        if key is not None:
            await idempotency.save(conn, scope, key, status_code, msgspec.json.encode(result))
    return Response(result, status_code=status_code)
