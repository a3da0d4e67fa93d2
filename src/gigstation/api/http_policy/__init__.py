"""THE one place where every HTTP answer's headers, cookies, caching and compression are
decided, and where the client address and scheme are taken from trusted proxies.

It wraps the whole Litestar application (404s, errors and static files included), so no
page or route sets these itself. What a page can choose:

* **Caching**: every answer gets ``Cache-Control: no-store`` unless its handler sets a
  ``Cache-Control`` header itself (e.g. ``Response(..., headers={"Cache-Control":
  "public, max-age=60"})`` for a public, person-independent answer). Static files are
  decided here alone: a URL with the file's current content hash (``static_url`` in the
  templates: ``{{ static_url('css/app.css') }}``) is cached for a year as immutable, any
  other static URL must revalidate.
* **Framing**: no answer may be framed (CSP ``frame-ancestors 'none'`` and
  ``X-Frame-Options: DENY``), except routes whose ``opt`` holds ``FRAMEABLE: True``
  (``@get(..., opt={FRAMEABLE: True})``) and the wall screen (``/s/{id}/screen/...``),
  and then only by the origins in ``GIGSTATION_SCREEN_FRAME_ANCESTORS`` (none by default).
* **Compression** needs nothing: text answers of 1 KB and more are sent with brotli or gzip
  as the client accepts; ``text/event-stream`` never is, so events flush at once.

Cookies are made ``Secure`` whenever the request came over HTTPS (directly, or from a proxy
in ``GIGSTATION_TRUSTED_PROXIES`` saying so), and HSTS is sent then too. Every answer carries
``X-Request-ID`` (taken from a trusted proxy's header, else made here), which is also in
every log line written while serving it (``platform/logs.py``).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from gigstation.api.http_policy import headers as h
from gigstation.api.http_policy.assets import StaticAssets
from gigstation.api.http_policy.compress import MIN_BYTES, StaticCache, choose_encoding, compress, compressible
from gigstation.platform.config import Settings
from gigstation.platform.logs import REQUEST_ID
from gigstation.platform.proxies import ProxyResolver, parse_networks

__all__ = ["FRAMEABLE", "HttpPolicy", "ProxyResolver", "StaticAssets", "client_of", "install"]

FRAMEABLE = "http_policy_frameable"
"""Route ``opt`` key: this page may be framed by ``GIGSTATION_SCREEN_FRAME_ANCESTORS``."""
_SCREEN_TEMPLATE = re.compile(r"^/s/\{[^}]+\}/screen/")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_BUFFER_LIMIT = 8 * 1024 * 1024
"""Bodies larger than this go uncompressed (a streamed export, say) instead of in memory."""

access_log = logging.getLogger("gigstation.access")

Scope = dict[str, Any]
Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def client_of(scope: Any) -> str:
    """The client's address after the trusted-proxy rewrite."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class HttpPolicy:
    """ASGI wrapper: proxies, request id, security headers, caching, cookies, compression."""

    def __init__(self, app: ASGIApp, settings: Settings, assets: StaticAssets | None = None) -> None:
        self.app = app
        self.proxies = ProxyResolver(parse_networks(settings.trusted_proxies), settings.proxy_header)
        self.assets = assets
        self.static_prefix = (assets.prefix + "/") if assets else "/static/"
        ancestors = settings.screen_frame_ancestors.strip()
        self.screen_csp = h.csp_framed_by(ancestors) if ancestors else None
        self.cache = StaticCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        peer_trusted = self.proxies.trusted(scope["client"][0]) if scope.get("client") else False
        self.proxies.resolve(scope)
        request_id = self._request_id(scope, peer_trusted)
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        if scope["type"] == "websocket":
            try:
                await self.app(scope, receive, send)
            finally:
                REQUEST_ID.reset(token)
            return
        response = _Response(self, scope, send, request_id)
        if response.encoding and "extensions" in scope:
            # A path-send (granian serves files itself) would bypass the compressor.
            scope["extensions"] = {k: v for k, v in scope["extensions"].items() if k != "http.response.pathsend"}
        started = time.perf_counter()
        try:
            await self.app(scope, receive, response.send)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                # The route template, never the path: paths carry ids.
                access_log.info("%s %s %s", scope["method"], scope.get("path_template") or "-", response.status,
                                extra={"request_id": request_id, "status": response.status,
                                       "route": scope.get("path_template") or "-",
                                       "ms": round((time.perf_counter() - started) * 1000, 1)})
            REQUEST_ID.reset(token)

    @staticmethod
    def _request_id(scope: Scope, peer_trusted: bool) -> str:
        if peer_trusted:
            incoming = h.header(scope.get("headers", []), b"x-request-id")
            if incoming:
                text = incoming.decode("latin-1")
                if _REQUEST_ID.match(text):
                    return text
        return secrets.token_hex(8)

    def response_headers(
        self, scope: Scope, raw: list[tuple[bytes, bytes]], request_id: str
    ) -> list[tuple[bytes, bytes]]:
        """The answer's headers after the policy (exposed for tests)."""
        path: str = scope.get("path", "")
        https = scope.get("scheme") in ("https", "wss")
        out = [(k.lower(), v) for k, v in raw]
        names = {k for k, _ in out}
        if path.startswith(self.static_prefix):
            fresh = self.assets is not None and self.assets.is_current(path, scope.get("query_string", b""))
            out = h.without(out, b"cache-control")
            out.append((b"cache-control", h.IMMUTABLE if fresh else h.REVALIDATE))
            if b"vary" not in names:  # shared caches keep the plain and the compressed copy apart
                out.append((b"vary", b"Accept-Encoding"))
        elif b"cache-control" not in names:
            out.append((b"cache-control", h.NO_STORE))
        if b"content-security-policy" not in names:
            out.append((b"content-security-policy", self._csp(scope, path)))
        if self._frameable(scope) is None:
            out = h.without(out, b"x-frame-options")
            out.append((b"x-frame-options", b"DENY"))
        out.extend(pair for pair in h.SECURITY if pair[0] not in names)
        if https:
            out.append((b"strict-transport-security", h.HSTS))
            out = [(k, h.secure_cookie(v) if k == b"set-cookie" else v) for k, v in out]
        out.append((b"x-request-id", request_id.encode("latin-1")))
        return out

    def _frameable(self, scope: Scope) -> bytes | None:
        if self.screen_csp is None:
            return None
        template = scope.get("path_template") or ""
        if _SCREEN_TEMPLATE.match(template) or h.route_opt(scope, FRAMEABLE):
            return self.screen_csp
        return None

    def _csp(self, scope: Scope, path: str) -> bytes:
        if path.startswith("/schema"):
            return h.CSP_SWAGGER.encode()
        return self._frameable(scope) or h.CSP_DEFAULT.encode()


class _Response:
    """One answer on its way out: headers fixed, body compressed when worth it."""

    __slots__ = ("body", "encoding", "passing", "policy", "request_id", "scope", "start", "status", "upstream")

    def __init__(self, policy: HttpPolicy, scope: Scope, send: Send, request_id: str) -> None:
        self.policy = policy
        self.scope = scope
        self.upstream = send
        self.request_id = request_id
        self.status = 0
        self.start: Message | None = None
        self.body: list[bytes] = []
        self.passing = True
        self.encoding: str | None = None
        if scope.get("method") != "HEAD":
            accept = h.header(scope.get("headers", []), b"accept-encoding")
            self.encoding = choose_encoding(accept.decode("latin-1")) if accept else None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
            headers = self.policy.response_headers(self.scope, list(message.get("headers", [])), self.request_id)
            message = {**message, "headers": headers}
            if self._worth_compressing(headers):
                self.passing = False
                self.start = message
                return
            await self.upstream(message)
            return
        if kind != "http.response.body" or self.passing:
            await self.upstream(message)
            return
        self.body.append(message.get("body", b""))
        more = message.get("more_body", False)
        size = sum(map(len, self.body))
        if more and size <= _BUFFER_LIMIT:
            return
        if more:  # too big to hold: send what we have as it is, and the rest straight through
            await self._flush_plain(more=True)
            return
        body = b"".join(self.body)
        if size < MIN_BYTES:
            await self._flush_plain(more=False)
            return
        await self._flush_compressed(body)

    def _worth_compressing(self, headers: list[tuple[bytes, bytes]]) -> bool:
        if self.encoding is None or self.status < 200 or self.status in (204, 304):
            return False
        if h.header(headers, b"content-encoding") is not None:
            return False
        content_type = h.header(headers, b"content-type")
        if content_type is None or not compressible(content_type):
            return False
        length = h.header(headers, b"content-length")
        return length is None or int(length) >= MIN_BYTES

    async def _flush_plain(self, *, more: bool) -> None:
        assert self.start is not None
        self.passing = True
        await self.upstream(self.start)
        await self.upstream({"type": "http.response.body", "body": b"".join(self.body), "more_body": more})
        self.body = []

    async def _flush_compressed(self, body: bytes) -> None:
        assert self.start is not None and self.encoding is not None
        path: str = self.scope.get("path", "")
        assets = self.policy.assets
        static = path.startswith(self.policy.static_prefix) and self.status == 200
        digest = assets.digest(path[len(assets.prefix) + 1:]) if static and assets else None
        key = (path, digest, self.encoding)
        packed = self.policy.cache.get(key) if digest else None
        if packed is None:
            packed = compress(body, self.encoding, best=digest is not None)
            if digest:
                self.policy.cache.put(key, packed)
        headers = h.without(self.start["headers"], b"content-length", b"etag", b"vary")
        vary = h.header(self.start["headers"], b"vary")
        etag = h.header(self.start["headers"], b"etag")
        headers += [(b"content-encoding", self.encoding.encode()), (b"content-length", str(len(packed)).encode()),
                    (b"vary", (vary + b", Accept-Encoding") if vary else b"Accept-Encoding")]
        if etag:  # the same validator, marked weak: the bytes differ by encoding
            headers.append((b"etag", etag if etag.startswith(b"W/") else b"W/" + etag))
        await self.upstream({**self.start, "headers": headers})
        await self.upstream({"type": "http.response.body", "body": packed, "more_body": False})


def install(app: Any, settings: Settings, assets: StaticAssets | None = None) -> HttpPolicy:
    """Wrap a Litestar app's whole request handling in the policy; return the wrapper."""
    policy = HttpPolicy(app.asgi_handler, settings, assets)
    app.asgi_handler = policy
    app.state.http_policy = policy
    return policy
