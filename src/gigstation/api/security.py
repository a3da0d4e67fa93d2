"""Bearer-token authentication (every route closed unless marked public) and role guards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from gigstation.platform.auth import Principal, decode_token
from gigstation.platform.config import Settings
from gigstation.platform.errors import Forbidden, Unauthorized
from gigstation.platform.types import Role

__all__ = ["PUBLIC", "TokenAuth", "principal_of", "roles"]

PUBLIC: dict[str, Any] = {"exclude_from_auth": True}
"""Route ``opt`` for the few routes anyone may call."""


SESSION_COOKIE = "gs_session"
"""The pages' HttpOnly session cookie (web/session.py sets it)."""
_EVENTS_PATH = "/api/v1/events"


def _cookie_allowed(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    # The cookie authenticates pages and the event stream only: a cookie on the JSON API's
    # writes would make them open to cross-site requests, which CSRF does not cover there.
    path = connection.url.path
    if not path.startswith("/api/"):
        return True
    return path.rstrip("/") == _EVENTS_PATH and connection.scope.get("method") == "GET"


class TokenAuth(AbstractAuthenticationMiddleware):
    """Reads ``Authorization: Bearer <token>`` and sets ``request.user`` to a Principal."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            # An EventSource cannot set headers, so /events may pass the token as a query,
            # and the pages' EventSource sends the session cookie.
            token = connection.query_params.get("access_token", "")
            if not token and _cookie_allowed(connection):
                token = connection.cookies.get(SESSION_COOKIE, "")
            if not token:
                raise Unauthorized("请先登录", "sign in first: send Authorization: Bearer <token>")
        settings: Settings = connection.app.state.runtime.settings
        return AuthenticationResult(user=decode_token(settings, token.strip()), auth=token)


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
