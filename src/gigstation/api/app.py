"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar, Request, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXPlugin

from gigstation import __version__
from gigstation.api.problems import exception_handlers
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

__all__ = ["API_PREFIX", "SWAGGER_ASSETS", "create_app", "openapi_config"]

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
SWAGGER_ASSETS = "/static/vendor/swagger-ui"


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
        # Served from the package (static/vendor/swagger-ui): stations may have no internet.
        render_plugins=[SwaggerRenderPlugin(
            js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
            css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
            standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{SWAGGER_ASSETS}/favicon-32x32.png'>",
        )],
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
        return request.url.path.endswith("/auth/login") or (
            request.url.path == "/login" and request.method == "POST")

    rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.login_rate_per_minute),
        check_throttle_handler=login_only,
    )
    api = Router(
        path=API_PREFIX,
        route_handlers=list(CONTROLLERS),
    )
    # Imported here: the pages import the API's runtime and security modules.
    from gigstation.web import template_config, web_handlers

    csrf = CSRFConfig(
        secret=hashlib.sha256(b"gigstation-csrf" + settings.token_secret()).hexdigest(),
        cookie_name="gs_csrf", header_name="x-csrftoken", exclude=["^/api/"],
        cookie_samesite="lax",
    )
    return Litestar(
        route_handlers=[api, *web_handlers(settings)],
        dependencies={"rt": Provide(_runtime, sync_to_thread=False)},
        lifespan=[lifespan],
        middleware=[rate_limit.middleware, DefineMiddleware(TokenAuth, exclude=["^/schema", "^/static"])],
        exception_handlers=exception_handlers,
        template_config=template_config(),
        plugins=[HTMXPlugin()],
        csrf_config=csrf,
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_bytes,
        debug=False,
    )
