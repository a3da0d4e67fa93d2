"""An app on the test database, a client, and helpers to make accounts through the API."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from gigstation.application import create_app
from gigstation.platform.clock import now, today
from gigstation.platform.config import Settings
from gigstation.sim.demo import demo_credit_code, demo_resident_id

API = "/api/v1"
ADMIN = {"phone": "13800000000", "password": "admin-password"}
_phones = itertools.count(1)


def next_phone(prefix: str = "135") -> str:
    """A fresh, valid mobile number."""
    return f"{prefix}{next(_phones):08d}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def evidence(group: str, **over: Any) -> dict[str, Any]:
    """A priority-group entry with the papers an operator records (valid for 180 days)."""
    local = today("Asia/Shanghai")
    body = {"group": group, "evidence_type": "认定证明", "evidence_number": "QP2026-0001",
            "evidence_date": (local - timedelta(days=30)).isoformat(),
            "expires_on": (local + timedelta(days=180)).isoformat()}
    body.update(over)
    return body


class Api:
    """Drives the real app like a client would, one role at a time."""

    def __init__(self, client: AsyncTestClient[Any]) -> None:
        self.client = client
        self._seq = itertools.count(1)

    async def login(self, phone: str, password: str) -> str:
        r = await self.client.post(f"{API}/auth/login", json={"phone": phone, "password": password})
        assert r.status_code == 200, r.text
        return str(r.json()["token"])

    async def admin(self) -> str:
        return await self.login(ADMIN["phone"], ADMIN["password"])

    async def station(self, admin: str, lat: float = 31.151, lon: float = 121.117,
                      radius: int = 1000, name: str | None = None) -> dict[str, Any]:
        r = await self.client.post(f"{API}/stations", headers=bearer(admin), json={
            "name": name or f"驿站{next(self._seq)}", "address": "青浦区", "lat": lat, "lon": lon,
            "service_radius_m": radius})
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def operator(self, admin: str, station_ids: list[str]) -> tuple[dict[str, Any], str]:
        phone = next_phone("139")
        r = await self.client.post(f"{API}/operators", headers=bearer(admin), json={
            "name": "专员", "phone": phone, "password": "operator-pass", "station_ids": station_ids})
        assert r.status_code == 201, r.text
        return dict(r.json()), await self.login(phone, "operator-pass")

    def worker_body(self, **over: Any) -> dict[str, Any]:
        n = next(self._seq)
        body = {"name": "王师傅", "phone": next_phone("136"), "password": "worker-pass",
                "id_type": "resident_id",
                "id_number": demo_resident_id(date(1975, 3, 1) + timedelta(days=n), n),
                "skills": ["moving", "loading"]}
        body.update(over)
        return body

    async def worker(self, **over: Any) -> tuple[dict[str, Any], str]:
        r = await self.client.post(f"{API}/workers", json=self.worker_body(**over))
        assert r.status_code == 201, r.text
        return dict(r.json()["worker"]), str(r.json()["token"])

    def employer_body(self, **over: Any) -> dict[str, Any]:
        n = next(self._seq)
        body = {"name": f"青浦物流{n}有限公司", "kind": "company", "contact_name": "李经理",
                "phone": next_phone("137"), "password": "employer-pass", "commitment": True,
                "credit_code": demo_credit_code(n), "legal_rep_name": "李法人",
                "legal_rep_id_number": demo_resident_id(date(1970, 1, 1) + timedelta(days=n), 500 + n)}
        body.update(over)
        if body["kind"] == "individual":  # an individual has no legal representative
            for key in ("legal_rep_name", "legal_rep_id_number"):
                if key not in over:
                    body.pop(key, None)
        return body

    async def employer(self, **over: Any) -> tuple[dict[str, Any], str]:
        r = await self.client.post(f"{API}/employers", json=self.employer_body(**over))
        assert r.status_code == 201, r.text
        return dict(r.json()["employer"]), str(r.json()["token"])

    def order_body(self, **over: Any) -> dict[str, Any]:
        start = (now() + timedelta(hours=2)).replace(microsecond=0)
        body = {"title": "仓库装卸", "skill": "loading", "headcount": 3,
                "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=4)).isoformat(),
                "lat": 31.152, "lon": 121.118, "address": "夏阳街道某仓库", "pay_cents": 3000,
                "pay_unit": "hour"}
        body.update(over)
        return body

    async def order(self, employer: str, **over: Any) -> dict[str, Any]:
        r = await self.client.post(f"{API}/orders", headers=bearer(employer), json=self.order_body(**over))
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def checkin(self, token: str, station_id: str, lat: float = 31.151, lon: float = 121.117,
                      **over: Any) -> dict[str, Any]:
        body = {"station_id": station_id, "lat": lat, "lon": lon,
                "available_until": (now() + timedelta(hours=8)).isoformat(),
                "max_distance_m": 10000}
        body.update(over)
        r = await self.client.post(f"{API}/checkins", headers=bearer(token), json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())


@pytest.fixture
async def client(settings: Settings, db: asyncpg.Connection[Any]) -> AsyncIterator[AsyncTestClient[Any]]:
    """A client for the real app (lifespan runs: pool, migrations, first admin)."""
    app = create_app(settings)
    async with AsyncTestClient(app) as c:
        yield c


@pytest.fixture
def api(client: AsyncTestClient[Any]) -> Api:
    return Api(client)


def iso(dt: datetime) -> str:
    return dt.isoformat()
