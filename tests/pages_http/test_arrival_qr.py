"""The worker's arrival code as a QR code: the employer's phone camera opens a confirm page
with the code filled in, and one press records arrival, then departure (issue 9: "the
employer records arrival and departure by scanning the worker's personal code")."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from gigstation.web.qr import qr_svg
from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import staffed, young_id
from tests.pages_http.forms import CSRF, sign_in


async def test_the_arrival_qr_opens_the_employers_confirm_page(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, workers=1)
    worker, token = job.workers[0]
    aid = job.assignments[0]["id"]
    short = (await api.client.get(f"{API}/assignments/{aid}/code", headers=bearer(token))).json()["short"]

    await sign_in(api.client, worker["phone"], "worker-pass")
    home = await api.client.get("/worker")
    assert f'src="/worker/jobs/{aid}/code.svg"' in home.text
    image = await api.client.get(f"/worker/jobs/{aid}/code.svg")
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/svg+xml")
    # The image is exactly the QR code of the employer's confirm page for this job and code.
    assert image.content == qr_svg(f"http://127.0.0.1:8000/employer/scan/{aid}?code={short}", scale=6)
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
