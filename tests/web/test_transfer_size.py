"""The worker pages' first load: bytes, and first contentful paint on Chrome's "Slow 3G".

The bytes of every response of a cold load are summed three ways: uncompressed, what gzip -6
would make of them, and what actually crossed the wire (the browser's own count of encoded
body and header bytes: the server compresses text with brotli or gzip). Budgets: under 40 KB
uncompressed and under 30 KB on the wire for each first worker page (issue 16). The worker
pages carry no htmx (52 KB): their live parts are fetched by static/js/live.js. First
contentful paint is measured with the network throttled through the DevTools protocol to
DevTools' "Slow 3G" profile and printed.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from tests.web.conftest import SCREENS, Browser, Seed, api_token, dispatch, post_order
from tests.web.test_worker_pages import check_in

BUDGET = 150 * 1024
WORKER_PAGE_BUDGET = 40 * 1024
"""Uncompressed: the worker pages without htmx (measured 26-33 KB on 8 Dec 2026)."""
WIRE_BUDGET = 30 * 1024
"""On the wire, compressed, headers included (issue 16: "first worker page under 30 KB")."""
# DevTools' "Slow 3G" preset (Chromium front end, SDK NetworkManager: 500 kbit/s x 0.8 each
# way, 400 ms x 5 latency).
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 500 * 1000 / 8 * 0.8,
           "uploadThroughput": 500 * 1000 / 8 * 0.8}


def _page(web: Browser, phone: str | None) -> Any:
    page = web.page(360)
    if phone:
        # The session cookie is set directly: signing in through pages would warm the cache.
        page.context.add_cookies([{"name": "gs_session", "value": api_token(web.server, phone),
                                   "url": web.server.url}])
    return page


def first_load(web: Browser, path: str, phone: str | None = None) -> dict[str, Any]:
    """Every response body of one cold page load (fresh context, empty cache)."""
    page = _page(web, phone)
    responses: list[Any] = []
    page.on("response", lambda r: responses.append(r))
    page.goto(path)
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    files = []
    for r in responses:
        if r.request.resource_type == "eventsource" or r.status in (301, 302, 303, 304):
            continue
        body = r.body()
        sizes = r.request.sizes()
        files.append({"url": r.url.replace(web.server.url, ""), "bytes": len(body),
                      "gzip": len(gzip.compress(body, 6)),
                      "wire": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                      "encoding": r.headers.get("content-encoding", "")})
    page.context.close()
    return {"path": path, "files": files, "bytes": sum(f["bytes"] for f in files),
            "gzip": sum(f["gzip"] for f in files), "wire": sum(f["wire"] for f in files)}


def slow_3g_first_paint(web: Browser, path: str, phone: str | None = None) -> float:
    """First contentful paint (ms) of a cold load with the network at "Slow 3G"."""
    page = _page(web, phone)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    page.goto(path, wait_until="load", timeout=60_000)
    page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length > 0",
                           timeout=30_000)
    fcp = float(page.evaluate("() => performance.getEntriesByName('first-contentful-paint')[0].startTime"))
    page.context.close()
    return fcp


def test_worker_pages_are_light_and_paint_on_slow_3g(web: Browser, seed: Seed) -> None:
    post_order(web.server, seed)
    check_in(web.server, seed, seed.workers[0].phone)
    dispatch(web.server, seed)
    pages = [
        (f"/s/{seed.station_id}", None),
        ("/worker", seed.workers[0].phone),
        (f"/worker/checkin?station={seed.station_id}", seed.workers[1].phone),
    ]
    results = []
    for path, phone in pages:
        load = first_load(web, path, phone)
        load["fcp_slow_3g_ms"] = round(slow_3g_first_paint(web, path, phone))
        results.append(load)
    SCREENS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENS.parent / "transfer-size.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    for r in results:
        print(f"{r['path']}: {r['bytes']} bytes, {r['wire']} on the wire ({r['gzip']} at gzip -6), "
              f"first contentful paint on Slow 3G {r['fcp_slow_3g_ms']} ms, "
              f"{[(f['url'], f['encoding']) for f in r['files']]}")
        assert r["bytes"] < WORKER_PAGE_BUDGET, r
        assert r["wire"] < WIRE_BUDGET, r
        # Every text response over 1 KB arrives compressed.
        assert all(f["encoding"] in ("br", "gzip") for f in r["files"] if f["bytes"] > 1024
                   and not f["url"].endswith((".png", ".woff2", ".ico"))), r["files"]
        assert not any("htmx" in f["url"] for f in r["files"]), r
