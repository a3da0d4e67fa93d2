"""The response headers every answer carries: security headers, caching and cookies.

Decided here and only here (see ``api/http_policy/__init__.py`` for how a page opts in to
framing or caching)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "CSP_DEFAULT",
    "CSP_SWAGGER",
    "HSTS",
    "IMMUTABLE",
    "NO_STORE",
    "REVALIDATE",
    "csp_framed_by",
    "secure_cookie",
]

_BASE = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)
CSP_DEFAULT = _BASE + "; frame-ancestors 'none'"
"""No inline script or style, nothing from another origin, never inside another site's frame."""
CSP_SWAGGER = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
"""The API docs page (Litestar's Swagger UI starts itself with an inline script)."""
HSTS = b"max-age=31536000"
"""One year, this host only: a district's other sites under the same domain are not ours to bind."""
NO_STORE = b"no-store"
IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"
"""A static URL without its current ``?v=`` hash: cache, but ask again each time."""

SECURITY: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    # The check-in page asks for the location and the employer's arrival scan for the camera.
    (b"permissions-policy", b"geolocation=(self), camera=(self), microphone=()"),
)


def csp_framed_by(ancestors: str) -> bytes:
    """The default policy, but framable by ``ancestors`` (space-separated origins)."""
    return (_BASE + f"; frame-ancestors {ancestors}").encode("latin-1")


def secure_cookie(value: bytes) -> bytes:
    """A Set-Cookie value with the ``Secure`` attribute (added once)."""
    attributes = [part.strip().lower() for part in value.split(b";")[1:]]
    return value if b"secure" in attributes else value + b"; Secure"


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of a header (names are lower case in ASGI), or None."""
    for key, value in headers:
        if key == name:
            return value
    return None


def without(headers: list[tuple[bytes, bytes]], *names: bytes) -> list[tuple[bytes, bytes]]:
    """The headers less every one of ``names``."""
    return [(k, v) for k, v in headers if k not in names]


def route_opt(scope: dict[str, Any], key: str) -> Any:
    """A value from the matched route's ``opt`` (None before routing or when unset)."""
    handler = scope.get("route_handler")
    opt = getattr(handler, "opt", None)
    return opt.get(key) if isinstance(opt, dict) else None
