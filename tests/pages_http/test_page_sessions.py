"""Page sessions obey the same account rules as API tokens (issue 8, fault 4 on the pages)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import msgspec
from litestar.testing import AsyncTestClient

from gigstation.application import create_app
from gigstation.platform.config import Settings
from tests.api.conftest import API, Api, bearer, next_phone
from tests.pages_http.forms import CSRF, sign_in


async def test_disabling_an_account_ends_its_page_session_at_once(api: Api) -> None:
    admin = await api.admin()
    body = api.worker_body()
    worker, _ = await api.worker(**body)
    await sign_in(api.client, body["phone"], body["password"])
    r = await api.client.get("/worker", follow_redirects=False)
    assert r.status_code == 200, r.text
    assert (await api.client.post(f"{API}/accounts/{worker['id']}/disable", headers=bearer(admin))).status_code == 200
    r = await api.client.get("/worker", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_logout_everywhere_ends_page_sessions(api: Api) -> None:
    body = api.worker_body()
    _, token = await api.worker(**body)
    await sign_in(api.client, body["phone"], body["password"])
    assert (await api.client.get("/worker", follow_redirects=False)).status_code == 200
    assert (await api.client.post(f"{API}/auth/logout-all", headers=bearer(token))).status_code in (200, 204)
    r = await api.client.get("/worker", follow_redirects=False)
    assert r.status_code == 303


async def test_the_login_form_shares_the_api_login_limits(settings: Settings, db: asyncpg.Connection[Any]) -> None:
    limited = msgspec.structs.replace(settings, login_rate_per_minute=4)
    if time.time() % 60 > 45:  # fixed one-minute windows: do not straddle a boundary
        await asyncio.sleep(61 - time.time() % 60)
    async with AsyncTestClient(create_app(limited)) as c:
        statuses = []
        for _ in range(6):
            page = await c.get("/login")
            csrf = CSRF.search(page.text)
            assert csrf is not None
            r = await c.post("/login", data={"phone": next_phone(), "password": "wrong-password-1",
                                             "_csrf_token": csrf.group(1)}, follow_redirects=False)
            statuses.append(r.status_code)
    # Refused passwords re-render the form (422); past the shared limit the form says so (429).
    assert statuses == [422] * 4 + [429] * 2, statuses
    assert "过多" in r.text and "秒后再试" in r.text, r.text  # says what to do next
