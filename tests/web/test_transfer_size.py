"""The worker page's first load stays under 150 KB (issue 7); the figure goes in the README."""

from __future__ import annotations

import gzip
import json
from typing import Any

from tests.web.conftest import SCREENS, Browser, Seed, api_token, dispatch, post_order
from tests.web.test_worker_pages import check_in

BUDGET = 150 * 1024


def first_load(web: Browser, path: str, phone: str | None = None) -> dict[str, Any]:
    """Every response body of one cold page load (fresh context, empty cache)."""
    page = web.page(360)
    if phone:
        # The session cookie is set directly: signing in through pages would warm the cache.
        page.context.add_cookies([{"name": "gs_session", "value": api_token(web.server, phone),
                                   "url": web.server.url}])
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
        files.append({"url": r.url.replace(web.server.url, ""), "bytes": len(body),
                      "gzip": len(gzip.compress(body, 6))})
    page.context.close()
    return {"path": path, "files": files, "bytes": sum(f["bytes"] for f in files),
            "gzip": sum(f["gzip"] for f in files)}


def test_worker_pages_first_load_under_150_kb(web: Browser, seed: Seed) -> None:
    post_order(web.server, seed)
    check_in(web.server, seed, seed.workers[0].phone)
    dispatch(web.server, seed)
    results = [
        first_load(web, f"/s/{seed.station_id}"),
        first_load(web, "/worker", seed.workers[0].phone),
        first_load(web, f"/worker/checkin?station={seed.station_id}", seed.workers[1].phone),
    ]
    SCREENS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENS.parent / "transfer-size.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    for r in results:
        print(f"{r['path']}: {r['bytes']} bytes, {r['gzip']} gzipped, {[f['url'] for f in r['files']]}")
        assert r["bytes"] < BUDGET, r
