"""Liveness and readiness."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get

from gigstation.api.runtime import Runtime
from gigstation.api.security import PUBLIC
from gigstation.platform import reference
from gigstation.platform.db import connection, pending_migrations

__all__ = ["HealthController"]


class Health(msgspec.Struct, frozen=True):
    status: str
    pending_migrations: list[str] = []


class HealthController(Controller):
    path = "/"
    tags = ["health"]

    @get("/health", opt=PUBLIC, summary="存活检查 / Liveness")
    async def health(self) -> Health:
        return Health("ok")

    @get("/ready", opt=PUBLIC, summary="就绪检查 / Readiness")
    async def ready(self, rt: Runtime) -> Response[Health]:
        try:
            async with connection(rt.pool) as conn:
                pending = await pending_migrations(conn)
        except (OSError, TimeoutError) as exc:
            return Response(Health(f"database unreachable: {type(exc).__name__}"), status_code=503)
        if pending:
            return Response(Health("migrations pending", pending), status_code=503)
        return Response(Health("ready"))

    @get("/skills", opt=PUBLIC, summary="工种目录 / Skill taxonomy")
    async def skills(self) -> list[reference.Skill]:
        return list(reference.skills().values())
