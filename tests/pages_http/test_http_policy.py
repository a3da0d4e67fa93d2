"""The one HTTP policy (api/http_policy): security headers, caching, compression, cookies and
sessions, on the real app (Litestar's test client; the browser side is tests/ops/test_behind_nginx.py)."""

from __future__ import annotations

import gzip
import re
from typing import Any

import brotli
import msgspec
from litestar.testing import AsyncTestClient

from gigstation.application import create_app
from gigstation.platform.config import Settings
from gigstation.web import STATIC_ASSETS, STATIC_DIR
from tests.api.conftest import API, Api
from tests.pages_http.forms import CSRF, sign_in


def _assert_secure_headers(r: Any) -> None:
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{16}", r.headers["x-request-id"])
    assert "strict-transport-security" not in r.headers  # plain HTTP: HSTS would mean nothing


async def test_every_answer_carries_the_security_headers_and_no_store(api: Api) -> None:
    c = api.client
    for r in (await c.get(f"{API}/health"), await c.get(f"{API}/stations"), await c.get("/no-such-page"),
              await c.get("/login"), await c.post(f"{API}/auth/login", json={"phone": "1"})):
        _assert_secure_headers(r)
        assert r.headers["cache-control"] == "no-store", (r.url, r.headers)
    worker = api.worker_body()
    await api.worker(**worker)
    await sign_in(c, worker["phone"], worker["password"])
    home = await c.get("/worker")
    assert home.status_code == 200
    _assert_secure_headers(home)
    # The back button must not show a stale "暂时没有派工" (no-store on every signed-in page).
    assert home.headers["cache-control"] == "no-store"


async def test_static_files_are_immutable_only_under_their_content_hash(api: Api) -> None:
    c = api.client
    page = await c.get("/login")
    hrefs = re.findall(r'(/static/[^"?]+)\?v=([0-9a-f]{12})"', page.text)
    assert {h for h, _ in hrefs} >= {"/static/css/app.css"}, page.text
    # htmx is served the same way to the pages that swap fragments (not to sign-in or workers).
    hrefs.append(("/static/vendor/htmx/htmx.min.js", STATIC_ASSETS.url("vendor/htmx/htmx.min.js")[-12:]))
    for href, version in hrefs:
        r = await c.get(f"{href}?v={version}")
        assert r.status_code == 200
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        _assert_secure_headers(r)
    stale = await c.get("/static/css/app.css?v=000000000000")
    bare = await c.get("/static/css/app.css")
    assert stale.headers["cache-control"] == bare.headers["cache-control"] == "no-cache"


async def test_text_is_compressed_with_brotli_or_gzip_small_answers_are_not(api: Api) -> None:
    c = api.client
    htmx = (STATIC_DIR / "vendor/htmx/htmx.min.js").read_bytes()
    br = await c.get("/static/vendor/htmx/htmx.min.js", headers={"accept-encoding": "gzip, br"})
    assert br.headers["content-encoding"] == "br" and "Accept-Encoding" in br.headers["vary"]
    assert int(br.headers["content-length"]) < len(htmx) // 3
    gz = await c.get("/static/vendor/htmx/htmx.min.js", headers={"accept-encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"
    # httpx undoes gzip itself (and brotli, when installed): compare what arrived.
    assert br.content == gz.content == htmx
    page = await c.get("/login", headers={"accept-encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    small = await c.get(f"{API}/health", headers={"accept-encoding": "gzip, br"})
    assert "content-encoding" not in small.headers and len(small.content) < 1024
    plain = await c.get("/static/vendor/htmx/htmx.min.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == htmx
    assert brotli.decompress(brotli.compress(b"x")) == b"x"  # the library the server uses is present
    assert gzip.decompress(gzip.compress(htmx)) == htmx


async def test_page_logout_kills_a_saved_copy_of_the_cookie_at_once(api: Api) -> None:
    c = api.client
    worker = api.worker_body()
    await api.worker(**worker)
    csrf = await sign_in(c, worker["phone"], worker["password"])
    saved = c.cookies["gs_session"]
    assert (await c.get("/worker", follow_redirects=False)).status_code == 200
    out = await c.post("/logout", data={"_csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    c.cookies.set("gs_session", saved)  # someone who kept the cookie on a shared PC
    r = await c.get("/worker", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    # Only that session ends: the same person's other sign-ins (their phone) go on.
    token = await api.login(worker["phone"], worker["password"])
    assert (await c.get(f"{API}/workers/me", headers={"authorization": f"Bearer {token}"})).status_code == 200


async def test_sign_in_renews_the_csrf_token(api: Api) -> None:
    c = api.client
    worker = api.worker_body()
    await api.worker(**worker)
    page = await c.get("/login")
    before = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = await c.post("/login", data={"phone": worker["phone"], "password": worker["password"],
                                     "_csrf_token": before}, follow_redirects=False)
    assert r.status_code == 303
    after = r.cookies["gs_csrf"]
    assert after and after != before
    # The token from before sign-in no longer passes the CSRF check.
    c.cookies.set("gs_csrf", after)
    refused = await c.post("/logout", data={"_csrf_token": before}, follow_redirects=False)
    assert refused.status_code == 403


async def test_over_https_cookies_are_secure_and_hsts_is_sent(settings: Settings, api: Api) -> None:
    worker = api.worker_body()
    await api.worker(**worker)
    async with AsyncTestClient(create_app(settings), base_url="https://testserver.local") as c:
        page = await c.get("/login")
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        assert "secure" in page.headers["set-cookie"].lower()  # the CSRF cookie
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        r = await c.post("/login", data={"phone": worker["phone"], "password": worker["password"],
                                         "_csrf_token": token}, follow_redirects=False)
        cookies = r.headers.get_list("set-cookie")
        assert len(cookies) == 2 and all("; Secure" in v for v in cookies), cookies


async def test_only_the_wall_screen_may_be_framed_and_only_by_the_setting(settings: Settings, api: Api) -> None:
    framed = msgspec.structs.replace(settings, screen_frame_ancestors="https://dashboard.example.gov.cn")
    async with AsyncTestClient(create_app(framed)) as c:
        screen = await c.get("/s/00000000-0000-0000-0000-000000000000/screen/some-token")
        assert "frame-ancestors https://dashboard.example.gov.cn" in screen.headers["content-security-policy"]
        assert "x-frame-options" not in screen.headers
        other = await c.get("/login")
        assert "frame-ancestors 'none'" in other.headers["content-security-policy"]
        assert other.headers["x-frame-options"] == "DENY"


async def test_the_api_docs_page_gets_its_own_policy(api: Api) -> None:
    r = await api.client.get("/schema/swagger")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" in csp and "http" not in csp


async def test_metrics_are_not_for_strangers(settings: Settings) -> None:
    async with AsyncTestClient(create_app(settings)) as c:  # the test client's address is not loopback
        assert (await c.get("/metrics")).status_code == 404
    tokened = msgspec.structs.replace(settings, metrics_token="scrape-token-0123456789")
    async with AsyncTestClient(create_app(tokened)) as c:
        assert (await c.get("/metrics", headers={"authorization": "Bearer wrong"})).status_code == 404
        r = await c.get("/metrics", headers={"authorization": "Bearer scrape-token-0123456789"})
        assert r.status_code == 200 and "gigstation_people_waiting" in r.text
