"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar, Request, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from gigstation import __version__
from gigstation.api.contract import document_contract
from gigstation.api.problems import exception_handlers, require_json_body
from gigstation.api.routes import CONTROLLERS
from gigstation.api.runtime import Runtime
from gigstation.api.security import TokenAuth
from gigstation.people import accounts
from gigstation.platform.auth import PasswordHasher
from gigstation.platform.config import Settings
from gigstation.platform.db import apply_migrations, connect_pool, connection, transaction
from gigstation.platform.events import EventHub
from gigstation.platform.pii import PiiCipher
from gigstation.work import autodispatch

__all__ = ["API_PREFIX", "create_app", "openapi_config"]

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def _runtime(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


def openapi_config() -> OpenAPIConfig:
    """The published contract (committed as api/openapi.json)."""
    return OpenAPIConfig(
        title="gigstation API",
        version=__version__,
        description="零工驿站调度系统 / dispatch and scheduling for public gig-work stations",
        path="/schema",
        render_plugins=[SwaggerRenderPlugin()],
        components=Components(
            security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}
        ),
        security=[{"bearer": []}],
    )


def create_app(settings: Settings) -> Litestar:
    """Build the app; the pool opens (and migrations run) when it starts."""
    if not settings.database_url:
        raise ValueError("create_app needs settings.database_url (the CLI starts the embedded server)")

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        pool = await connect_pool(settings.database_url or "", min_size=settings.pool_min_size,
                                  max_size=settings.pool_max_size)
        try:
            async with connection(pool) as conn:
                await apply_migrations(conn)
            hasher = PasswordHasher(settings)
            runtime = Runtime(settings, pool, hasher, PiiCipher(settings.pii_key_bytes()))
            app.state.runtime = runtime
            if settings.admin_phone and settings.admin_password:
                password_hash = await hasher.hash(settings.admin_password)
                async with transaction(pool) as conn:
                    if await accounts.ensure_admin(conn, settings.admin_phone, password_hash):
                        log.info("created the first administrator")
            hub = EventHub(settings.database_url or "", pool)
            await hub.start()
            app.state.event_hub = hub
            stop = asyncio.Event()
            loop_task = (
                asyncio.create_task(autodispatch.run_forever(pool, settings, stop))
                if settings.auto_dispatch else None
            )
            try:
                yield
            finally:
                stop.set()
                if loop_task is not None:
                    await loop_task
                await hub.stop()
        finally:
            await pool.close()

    async def login_only(request: Request[Any, Any, Any]) -> bool:
        # Throttle password guessing; other routes are bounded by the pool instead.
        return request.url.path.endswith("/auth/login")

    rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.login_rate_per_minute),
        check_throttle_handler=login_only,
    )
    api = Router(
        path=API_PREFIX,
        route_handlers=list(CONTROLLERS),
        dependencies={"rt": Provide(_runtime, sync_to_thread=False)},
        before_request=require_json_body,
    )
    app = Litestar(
        route_handlers=[api],
        lifespan=[lifespan],
        middleware=[rate_limit.middleware, DefineMiddleware(TokenAuth, exclude=["^/schema", "^/$", "^/static"])],
        exception_handlers=exception_handlers,
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_bytes,
        state=State({"max_body_bytes": settings.max_body_bytes}),
        debug=False,
    )
    document_contract(app)
    return app
