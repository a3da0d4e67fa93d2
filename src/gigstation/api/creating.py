"""Creating POSTs: one transaction, an audit row (in the service), Idempotency-Key replay.

An answer that carries a bearer token (registrations) is stored with the token removed;
a replay issues a fresh token for the account, so no usable token rests in the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import msgspec
from litestar import Request, Response

from gigstation.api.runtime import Runtime
from gigstation.api.security import principal_of
from gigstation.platform import auth, idempotency
from gigstation.platform.db import transaction

__all__ = ["create"]

T = TypeVar("T")


async def create(
    request: Request[Any, Any, Any],
    rt: Runtime,
    result_type: type[T],
    make: Callable[[asyncpg.Connection[Any]], Awaitable[T]],
    status_code: int = 201,
    token_holder: Callable[[T], UUID] | None = None,
) -> Response[T]:
    """Run ``make`` in a transaction; with an Idempotency-Key, replay the first answer.

    ``token_holder`` marks an answer with a ``token`` field: it names the account the
    token is for, so the stored copy drops the token and a replay gets a fresh one."""
    key = request.headers.get("idempotency-key")
    async with transaction(rt.pool) as conn:
        if key is not None:
            who = principal_of(request)
            # Anonymous keys (registrations) are scoped by client address, so two strangers
            # who both pick the key "1" do not collide.
            client = request.client.host if request.client else "unknown"
            scope = str(who.user_id) if who else f"anonymous:{client}"
            fingerprint = idempotency.request_fingerprint(
                rt.cipher, request.method, request.url.path, await request.body()
            )
            stored = await idempotency.claim(conn, scope, key, fingerprint, rt.settings.idempotency_ttl_s)
            if stored is not None:
                replay = msgspec.json.decode(stored.body, type=result_type)
                if token_holder is not None:
                    token = await auth.fresh_token(conn, rt.settings, token_holder(replay))
                    replay = msgspec.structs.replace(replay, token=token)  # type: ignore[type-var]
                return Response(replay, status_code=stored.status_code,
                                headers={"Idempotent-Replayed": "true"})
        result = await make(conn)
        if key is not None:
            kept = msgspec.structs.replace(result, token="") if token_holder else result  # type: ignore[type-var]
            await idempotency.save(conn, scope, key, status_code, msgspec.json.encode(kept))
    return Response(result, status_code=status_code)
