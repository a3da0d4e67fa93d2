"""The worker's code as a QR code: the employer's phone camera opens a confirm page with the
code filled in, and one press records arrival, then departure (issue 9: "the employer records
arrival and departure by scanning the worker's personal code"). The code changes every
minute, so the image is never cached."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from gigstation.web.qr import qr_svg
from tests.api.conftest import API, Api, bearer
from tests.api.records import schedule
from tests.api.test_assignments import staffed, young_id
from tests.pages_http.forms import CSRF, sign_in


async def test_the_arrival_qr_opens_the_employers_confirm_page(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, workers=1)
    worker, token = job.workers[0]
    aid = job.assignments[0]["id"]
    await schedule(db, job.order["id"], timedelta(minutes=10))  # the arrival window is open

    await sign_in(api.client, worker["phone"], "worker-pass")
    home = await api.client.get("/worker")
    assert f'src="/worker/jobs/{aid}/code.svg?c=' in home.text and "码每分钟都会变" in home.text
    before = (await api.client.get(f"{API}/assignments/{aid}/code", headers=bearer(token))).json()["short"]
    image = await api.client.get(f"/worker/jobs/{aid}/code.svg")
    after = (await api.client.get(f"{API}/assignments/{aid}/code", headers=bearer(token))).json()["short"]
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/svg+xml")
    assert "no-store" in image.headers["cache-control"]
    # The image is exactly the QR code of the employer's confirm page for this job and code
    # (the code of this minute: the one read just before or just after, at a minute's turn).
    assert image.content in {qr_svg(f"http://127.0.0.1:8000/employer/scan/{aid}?code={c}", scale=6)
                             for c in (before, after)}
    short = after
    fragment = await api.client.get(f"/worker/jobs/{aid}/code")
    assert fragment.status_code == 200 and "code-big" in fragment.text
    other, _ = await api.worker(id_number=young_id())
    await sign_in(api.client, other["phone"], "worker-pass")
    assert (await api.client.get(f"/worker/jobs/{aid}/code.svg")).status_code == 404

    await sign_in(api.client, job.employer["phone"], "employer-pass")
    page = await api.client.get(f"/employer/scan/{aid}?code={short}")
    assert page.status_code == 200, page.text
    assert f'value="{short}"' in page.text and f"/crew/{aid}/arrival" in page.text
    assert worker["name"] in page.text
    # Opening the page records nothing; pressing the button does.
    assert await db.fetchval("SELECT arrived_at FROM assignments WHERE id = $1", uuid.UUID(aid)) is None
    csrf = CSRF.search(page.text)
    assert csrf is not None
    r = await api.client.post(f"/employer/orders/{job.order['id']}/crew/{aid}/arrival",
                              data={"_csrf_token": csrf.group(1), "code": short}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert await db.fetchval("SELECT arrived_at FROM assignments WHERE id = $1", uuid.UUID(aid)) is not None
    again = await api.client.get(f"/employer/scan/{aid}?code={short}")
    assert f"/crew/{aid}/departure" in again.text and "确认离岗" in again.text


async def test_another_employer_cannot_open_the_scan_page(api: Api) -> None:
    job = await staffed(api, workers=1)
    aid = job.assignments[0]["id"]
    other = api.employer_body()
    await api.employer(**other)
    await sign_in(api.client, other["phone"], other["password"])
    assert (await api.client.get(f"/employer/scan/{aid}?code=ABCD-EFGH")).status_code == 404
