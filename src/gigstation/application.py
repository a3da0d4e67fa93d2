"""The Litestar application: the JSON API and the pages composed into one server.

It sits above both ``gigstation.api`` and ``gigstation.web`` (the pages use the API's runtime
and security modules), so neither imports the other upward.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any, cast

import asyncpg
from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXPlugin

from gigstation import __version__
from gigstation.api import http_policy
from gigstation.api.contract import document_contract
from gigstation.api.metrics import MetricsMiddleware, metrics_endpoint
from gigstation.api.problems import exception_handlers, require_json_body
from gigstation.api.routes import CONTROLLERS
from gigstation.api.runtime import Runtime
from gigstation.api.security import TokenAuth
from gigstation.oversight import retention, wages
from gigstation.oversight.outcomes import outcome_rules
from gigstation.people import accounts, age_rules
from gigstation.platform import clock, idempotency, keys, throttle
from gigstation.platform.auth import PasswordHasher
from gigstation.platform.config import Settings
from gigstation.platform.db import apply_migrations, connect_pool, connection, transaction
from gigstation.platform.events import EventHub
from gigstation.platform.pii import PiiKeyring
from gigstation.solver.warm import warm_up
from gigstation.web import STATIC_ASSETS, template_config, web_handlers
from gigstation.web.session import PageSession
from gigstation.work import autodispatch

__all__ = ["API_PREFIX", "SWAGGER_ASSETS", "create_app", "openapi_config"]

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
SWEEP_INTERVAL_S = 60.0
SWAGGER_ASSETS = "/static/vendor/swagger-ui"


async def _sweep_forever(
    pool: asyncpg.Pool[Any], settings: Settings, keyring: PiiKeyring, stop: asyncio.Event
) -> None:
    """Delete expired idempotency keys and stale rate-limit rows, once a minute; apply the age
    rules whose birthday has come, once a day."""
    refreshed_on = None
    while not stop.is_set():
        try:
            async with connection(pool) as conn:
                await idempotency.sweep(conn, settings.idempotency_ttl_s)
                await throttle.sweep(conn)
            today = clock.today(settings.timezone)
            if today != refreshed_on:
                async with transaction(pool) as conn:
                    await age_rules.refresh_age_facts(conn, keyring, today)
                refreshed_on = today
        except (asyncpg.PostgresError, OSError) as exc:  # the next round tries again
            log.warning("sweep failed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SWEEP_INTERVAL_S)


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


def _warm_matcher() -> None:
    try:
        log.info("matcher ready in %.1f s", warm_up())
    except Exception:  # a failed warm-up must not stop the server: dispatch still runs (slower)
        log.exception("matcher warm-up failed")


def create_app(settings: Settings) -> Litestar:
    """Build the app; the pool opens (and migrations run) when it starts."""
    if not settings.database_url:
        raise ValueError("create_app needs settings.database_url (the CLI starts the embedded server)")
    outcome_rules(settings.outcome_months())  # an unknown group in the setting stops the start

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # database_url may be a transaction-mode pooler; what needs a session of its own
        # (migrations, LISTEN, the key lock) goes to PostgreSQL itself (docs/scale.md).
        pool = await connect_pool(settings.database_url or "", min_size=settings.pool_min_size,
                                  max_size=settings.pool_max_size,
                                  statement_cache_size=settings.statement_cache,
                                  connect_timeout_s=settings.db_connect_timeout_s)
        replica = await connect_pool(settings.replica_database_url, min_size=1,
                                     max_size=settings.pool_max_size,
                                     statement_cache_size=settings.statement_cache,
                                     connect_timeout_s=settings.db_connect_timeout_s) \
            if settings.replica_database_url else None
        hub: EventHub | None = None
        try:
            direct = await asyncpg.connect(settings.direct_url, timeout=settings.db_connect_timeout_s)
            try:
                await apply_migrations(direct)
            finally:
                await direct.close()

            async def hold_key_lock(conn: asyncpg.Connection[Any]) -> None:
                # Held for the server's life (taken again after a reconnection): key
                # rotation needs every server stopped (keys.KEY_LOCK).
                await conn.execute("SELECT pg_advisory_lock_shared($1)", keys.KEY_LOCK)

            hub = EventHub(settings.direct_url, pool, on_connect=hold_key_lock,
                           connect_timeout_s=settings.db_connect_timeout_s)
            await hub.start()
            async with connection(pool) as conn:
                keyring = await keys.open_keyring(conn, settings)
            async with transaction(pool) as conn:
                await wages.seed_minimum_wages(conn)
            hasher = PasswordHasher(settings)
            runtime = Runtime(settings, pool, hasher, keyring.current, read_pool=replica)
            app.state.runtime = runtime
            if settings.admin_phone and settings.admin_password:
                password_hash = await hasher.hash(settings.admin_password)
                async with transaction(pool) as conn:
                    if await accounts.ensure_admin(conn, settings.admin_phone, password_hash):
                        log.info("created the first administrator")
            # The matcher's compiled kernels load in a thread while the server starts serving.
            # A stop does not wait for it (a daemon thread, left behind at exit): on a loaded
            # machine a first compile can take minutes, and numba writes cache files whole.
            threading.Thread(target=_warm_matcher, name="matcher-warm-up", daemon=True).start()
            app.state.event_hub = hub
            stop = asyncio.Event()
            loop_task = (
                asyncio.create_task(autodispatch.run_forever(pool, settings, stop))
                if settings.auto_dispatch else None
            )
            sweep_task = asyncio.create_task(_sweep_forever(pool, settings, keyring, stop))
            retention_task = (
                asyncio.create_task(retention.run_daily(pool, settings, stop))
                if settings.retention_enabled else None
            )
            try:
                yield
            finally:
                stop.set()
                if loop_task is not None:
                    await loop_task
                await sweep_task
                if retention_task is not None:
                    await retention_task
        finally:
            if hub is not None:
                await hub.stop()
            if replica is not None:
                await replica.close()
            await pool.close()

    api = Router(
        path=API_PREFIX,
        route_handlers=list(CONTROLLERS),
        before_request=require_json_body,
    )
    csrf = CSRFConfig(
        secret=hashlib.sha256(b"gigstation-csrf" + settings.token_secret()).hexdigest(),
        cookie_name="gs_csrf", header_name="x-csrftoken", exclude=["^/api/"],
        cookie_samesite="lax",
    )
    app = Litestar(
        route_handlers=[api, *web_handlers(settings), metrics_endpoint],
        dependencies={"rt": Provide(_runtime, sync_to_thread=False)},
        lifespan=[lifespan],
        # Limits live in the database (platform/throttle.py), shared by every process.
        middleware=[DefineMiddleware(TokenAuth, exclude=["^/schema", "^/static"]), PageSession()],
        exception_handlers=exception_handlers,
        template_config=template_config(),
        plugins=[HTMXPlugin()],
        csrf_config=csrf,
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_bytes,
        state=State({"max_body_bytes": settings.max_body_bytes}),
        debug=False,
        # Litestar's own log handler would bypass platform/logs.py (JSON, request id, scrubbing).
        logging_config=None,
    )
    document_contract(app)
    app.asgi_handler = cast(Any, MetricsMiddleware(app.asgi_handler))
    http_policy.install(app, settings, STATIC_ASSETS)  # outermost: it decides every answer's headers
    return app
