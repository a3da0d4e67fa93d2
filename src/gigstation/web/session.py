"""The page session: the API's signed token in an HttpOnly cookie, and role guards that redirect.

Page scripts never see the token (HttpOnly); forms are protected by Litestar's CSRF
middleware. The cookie is read by the pages here and, in ``api/security.TokenAuth``, by
``GET /api/v1/events`` only (an EventSource sends cookies but cannot set headers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.middleware.csrf import generate_csrf_token
from litestar.response import Redirect
from litestar.types import ASGIApp, Receive, Scope, Send

from gigstation.api.security import SESSION_COOKIE
from gigstation.platform.auth import Principal, check_account, decode_token, issue_token, revoke_token
from gigstation.platform.config import Settings
from gigstation.platform.db import connection as pooled
from gigstation.platform.db import transaction
from gigstation.platform.errors import Unauthorized
from gigstation.platform.types import Role

__all__ = [
    "HOME_OF",
    "SESSION_COOKIE",
    "NeedsSignIn",
    "PageSession",
    "clear_session",
    "current_user",
    "end_session",
    "home_of",
    "page_role",
    "safe_next",
    "sign_in_cookie",
    "signed_in_redirect",
]

HOME_OF: dict[str, str] = {
    "worker": "/worker", "employer": "/employer", "operator": "/operator", "admin": "/admin",
}


class NeedsSignIn(Exception):
    """Raised by ``page_role``: the page answers with a redirect to the login page."""

    def __init__(self, next_path: str, role: str | None = None) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.role = role

    def redirect(self) -> Redirect:
        """303 to /login, remembering where to come back to."""
        query = f"?next={quote(self.next_path, safe='/')}"
        if self.role:
            query += f"&as={self.role}"
        return Redirect(f"/login{query}", status_code=303)


def _settings(connection: ASGIConnection[Any, Any, Any, Any]) -> Settings:
    settings: Settings = connection.app.state.runtime.settings
    return settings


def token_from_cookie(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The session cookie's token, or ''."""
    return connection.cookies.get(SESSION_COOKIE, "")


_PAGE_USER = "gigstation_page_user"
_NOT_PAGES = ("/api/", "/static/", "/schema")


def _not_a_page(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith(_NOT_PAGES)


class PageSession(ASGIMiddleware):
    """Resolves the page session once per request: signature and expiry, then the account
    (active, token not revoked: one primary-key lookup, as on the API), so a disabled
    account or a "log out everywhere" ends page sessions at once too."""

    # Decided on the request path (the JSON API, static files and the API docs carry no page
    # session): Litestar 3 would match ``exclude_path_pattern`` against handler paths instead.
    should_bypass_for_scope = staticmethod(_not_a_page)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        who: Principal | None = None
        conn: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
        token = token_from_cookie(conn)
        if token:
            runtime = scope["app"].state.runtime
            try:
                who = decode_token(runtime.settings, token)
                async with pooled(runtime.pool) as db:
                    await check_account(db, who)
            except Unauthorized:
                who = None
        scope.setdefault("state", {})[_PAGE_USER] = who
        await next_app(scope, receive, send)


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The signed-in person (resolved by ``PageSession``), or None: bad, expired, revoked or
    disabled sessions all count as none."""
    who = connection.scope.get("state", {}).get(_PAGE_USER)
    return who if isinstance(who, Principal) else None


def page_role(
    *allowed: Role,
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """A guard for pages: anyone not signed in with one of these roles goes to the login page."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        who = current_user(connection)
        if who is None or who.role not in allowed:
            path = connection.url.path
            if connection.url.query:
                path += "?" + connection.url.query
            raise NeedsSignIn(path, allowed[0] if allowed else None)

    return guard


def safe_next(value: str | None) -> str | None:
    """A local path to return to, or None: never an absolute URL (open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value


def home_of(role: str) -> str:
    """Where each role lands after signing in."""
    return HOME_OF.get(role, "/")


def sign_in_cookie(request: Request[Any, Any, Any], principal: Principal, token: str | None = None) -> Cookie:
    """The session cookie carrying ``token`` (from a login), or a fresh token for ``principal``
    (just registered: its token version is the new account's first)."""
    settings = _settings(request)
    if token is None:
        token, _ = issue_token(settings, principal)
    return Cookie(
        key=SESSION_COOKIE, value=token, path="/", httponly=True, samesite="lax",
        secure=request.url.scheme == "https", max_age=settings.token_ttl_s,
    )


CSRF_COOKIE = "gs_csrf"
"""Litestar's CSRF cookie (application.py configures it)."""


def _fresh_csrf(request: Request[Any, Any, Any]) -> Cookie:
    # A new CSRF token at sign-in: a token planted or read before it is worth nothing after.
    # ``Secure`` is added by api/http_policy when the request came over HTTPS.
    config = request.app.csrf_config
    assert config is not None
    return Cookie(key=CSRF_COOKIE, value=generate_csrf_token(config.secret), path="/", samesite="lax")


def signed_in_redirect(
    request: Request[Any, Any, Any], principal: Principal, next_path: str | None, token: str | None = None
) -> Response[Any]:
    """303 to ``next`` (or the role's home) with the session cookie set and the CSRF token renewed."""
    target = safe_next(next_path) or home_of(principal.role)
    return Redirect(target, status_code=303, cookies=[sign_in_cookie(request, principal, token), _fresh_csrf(request)])


def clear_session(target: str = "/") -> Response[Any]:
    """303 to ``target`` with the session and CSRF cookies removed."""
    return Redirect(target, status_code=303, cookies=[
        Cookie(key=SESSION_COOKIE, value="", path="/", max_age=0, httponly=True, samesite="lax"),
        Cookie(key=CSRF_COOKIE, value="", path="/", max_age=0, samesite="lax"),
    ])


async def end_session(request: Request[Any, Any, Any], target: str = "/") -> Response[Any]:
    """Page logout: the session's token is revoked on the server (a saved copy of the cookie
    is dead at once, on every process), then the cookies are removed."""
    token = token_from_cookie(request)
    if token:
        runtime = request.app.state.runtime
        try:
            principal = decode_token(runtime.settings, token)
        except Unauthorized:
            principal = None  # expired or forged: nothing to revoke
        if principal is not None:
            async with transaction(runtime.pool) as conn:
                await revoke_token(conn, runtime.settings, principal)
    return clear_session(target)
