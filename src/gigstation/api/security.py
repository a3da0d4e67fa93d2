"""Bearer-token authentication (every route closed unless marked public) and role guards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from gigstation.platform.auth import Principal, check_account_state, decode_token, load_account_state
from gigstation.platform.db import connection as pooled
from gigstation.platform.errors import Forbidden, Unauthorized
from gigstation.platform.types import Role

__all__ = [
    "CHECKS_ACCOUNT_ITSELF", "EVENTS_PATH", "PUBLIC", "TokenAuth", "client_address", "principal_of", "roles",
    "verify_token",
]

PUBLIC: dict[str, Any] = {"exclude_from_auth": True}
"""Route ``opt`` for the few routes anyone may call."""

EVENTS_PATH = "/api/v1/events"
"""The one route that also takes ``?access_token=``: an EventSource cannot send headers."""


def _query_token_allowed(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    # Tokens in URLs end up in access logs and browser history, so only where unavoidable.
    return connection.scope.get("method") == "GET" and connection.scope["path"].rstrip("/") == EVENTS_PATH


async def verify_token(connection: ASGIConnection[Any, Any, Any, Any], token: str) -> Principal:
    """Signature and expiry, then the account: active, and the token not revoked.

    The account's standing comes from the event hub's cache while its notification
    connection is up (a changed row drops the entry as its transaction commits), else from
    one primary-key lookup (bench/RESULTS.md measures both)."""
    runtime = connection.app.state.runtime
    principal = decode_token(runtime.settings, token.strip())
    cache = getattr(connection.app.state, "event_hub", None)
    accounts = cache.accounts if cache is not None else None
    state = accounts.get(principal.user_id) if accounts is not None else None
    if state is None and connection.scope["route_handler"].opt.get(CHECKS_ACCOUNT_ITSELF):
        # The handler checks the account in its own statement (one round trip, not two).
        return msgspec.structs.replace(principal, account_checked=False)
    if state is None:
        epoch = accounts.epoch if accounts is not None else 0
        async with pooled(runtime.pool) as conn:
            state = await load_account_state(conn, principal.user_id)
        if state is not None and accounts is not None:
            accounts.put(principal.user_id, state, epoch)
    check_account_state(principal, state)
    return principal


CHECKS_ACCOUNT_ITSELF = "checks_account_itself"
"""Route ``opt`` key: the handler's service checks the account (``Principal.account_checked``
is False when the middleware left it to it)."""

SESSION_COOKIE = "gs_session"
"""The pages' HttpOnly session cookie (web/session.py sets it)."""


def _cookie_allowed(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    # The cookie authenticates pages and the event stream only: a cookie on the JSON API's
    # writes would make them open to cross-site requests, which CSRF does not cover there.
    path = connection.url.path
    if not path.startswith("/api/"):
        return True
    return path.rstrip("/") == EVENTS_PATH and connection.scope.get("method") == "GET"


class TokenAuth(AbstractAuthenticationMiddleware):
    """Reads ``Authorization: Bearer <token>`` and sets ``request.user`` to a Principal."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            token = connection.query_params.get("access_token", "") if _query_token_allowed(connection) else ""
            # The pages (and their EventSource) send the HttpOnly session cookie instead.
            if not token and _cookie_allowed(connection):
                token = connection.cookies.get(SESSION_COOKIE, "")
            if not token:
                raise Unauthorized("请先登录", "sign in first: send Authorization: Bearer <token>")
        return AuthenticationResult(user=await verify_token(connection, token), auth=token)


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client address rate limits count by: the peer, or behind a proxy listed in
    ``GIGSTATION_TRUSTED_PROXIES`` the client it names (api/http_policy rewrites the scope)."""
    return connection.client.host if connection.client else "unknown"


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The caller, or None on a public route without a token."""
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


def roles(
    *allowed: Role,
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """A guard letting only these roles through (403 for the others).

    Async on purpose: Litestar runs a sync guard in a worker thread on every request,
    which cost 8% of the server's CPU per check-in (bench/RESULTS.md).
    """

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        who = principal_of(connection)
        if who is None:
            raise Unauthorized("请先登录", "sign in first")
        if who.role not in allowed:
            raise Forbidden("当前账号无权进行此操作", f"only {', '.join(allowed)} may do this")

    return guard
