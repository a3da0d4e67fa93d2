"""Travel permits carry no birth date: registration asks for it and applies the age rules."""

from __future__ import annotations

from datetime import timedelta

from gigstation.platform.clock import today
from tests.api.conftest import API, Api
from tests.dates import years_before


async def test_travel_permit_needs_birth_date(api: Api) -> None:
    body = api.worker_body(id_type="hk_mo_travel_permit", id_number="H12345678")
    r = await api.client.post(f"{API}/workers", json=body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "birth_date"


async def test_travel_permit_holder_under_16_is_refused_and_17_is_minor(api: Api) -> None:
    now = today("Asia/Shanghai")
    young = years_before(now, 15) - timedelta(days=1)
    r = await api.client.post(f"{API}/workers", json=api.worker_body(
        id_type="tw_travel_permit", id_number="12345678", birth_date=young.isoformat()))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "birth_date"
    seventeen = years_before(now, 17) - timedelta(days=1)
    r = await api.client.post(f"{API}/workers", json=api.worker_body(
        id_type="tw_travel_permit", id_number="12345678", birth_date=seventeen.isoformat()))
    assert r.status_code == 201, r.text
    assert r.json()["worker"]["minor"] is True
