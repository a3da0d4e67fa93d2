"""Who may call each oversight route: signed-out callers never, other roles 403."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import API, Api, bearer

_ANY = str(uuid.uuid4())
ROUTES = [
    ("GET", "/reports/district", None, {"admin"}),
    ("GET", "/reports/employment", None, {"admin"}),
    ("POST", "/planning/stations", {"k": 0, "candidates": []}, {"admin"}),
    ("PUT", "/workers/me/home-area", {"lat": 31.1, "lon": 121.1}, {"worker"}),
    ("POST", f"/assignments/{_ANY}/station-rating", {"stars": 5}, {"worker"}),
    ("GET", "/stations/{station}/performance", None, {"admin", "operator"}),
    ("GET", "/workers/{worker}/priority-groups", None, {"admin", "operator"}),
]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
async def test_roles(api: Api, method: str, path: str, body: dict[str, object] | None, allowed: set[str]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    worker, worker_token = await api.worker()
    _, employer = await api.employer()
    url = API + path.format(station=station["id"], worker=worker["id"])
    assert (await api.client.request(method, url, json=body)).status_code == 401
    for role, token in (("admin", admin), ("operator", operator), ("worker", worker_token),
                        ("employer", employer)):
        r = await api.client.request(method, url, json=body, headers=bearer(token))
        if role in allowed:
            assert r.status_code in (200, 201, 404), (role, r.text)  # 404: the made-up assignment
        else:
            assert r.status_code == 403, (role, r.text)
