"""Fault 8 of issue 8: the small 500s and rough edges, each answered properly."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.api.conftest import API, Api, bearer

HAN = ("\u4e00", "\u9fff")


def _problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body: dict[str, Any] = r.json()
    assert any(HAN[0] <= c <= HAN[1] for c in body["detail"]) and body["detail_en"].isascii()
    return body


async def test_deeply_nested_json_is_a_400(api: Api) -> None:
    body = '{"phone": ' + "[" * 5000 + "]" * 5000 + ', "password": "x"}'
    r = await api.client.post(f"{API}/auth/login", content=body, headers={"content-type": "application/json"})
    assert _problem(r, 400)["code"] == "too_deep"


async def test_report_dates_at_the_calendars_ends_are_a_422(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    for day in ("0001-01-01", "9999-12-31", "1999-12-31"):
        r = await api.client.get(f"{API}/stations/{station['id']}/report", params={"date": day},
                                 headers=bearer(admin))
        assert _problem(r, 422)["errors"][0]["field"] == "date"


async def test_a_missing_query_parameter_is_named(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    r = await api.client.get(f"{API}/workers/lookup", headers=bearer(operator))
    body = _problem(r, 400)
    assert body["errors"][0]["field"] == "phone"
    assert "JSON" not in body["detail"] and "查询参数" in body["detail"], body


async def test_chinese_messages_name_the_region_in_chinese(api: Api) -> None:
    await api.station(await api.admin())
    _, employer = await api.employer()
    r = await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(pay_cents=100))
    body = _problem(r, 422)
    assert "上海" in body["detail"] and "Shanghai" not in body["detail"], body["detail"]
    assert "Shanghai" in body["detail_en"]


async def test_every_invalid_field_is_reported(api: Api) -> None:
    r = await api.client.post(f"{API}/workers", json={
        "name": "", "phone": "1", "password": "short", "id_type": "resident_id", "id_number": "1"})
    body = _problem(r, 422)
    assert {e["field"] for e in body["errors"]} == {"name", "phone", "password", "id_number"}
    assert all(any(HAN[0] <= c <= HAN[1] for c in e["reason"]) for e in body["errors"])


async def test_json_with_a_text_content_type_is_a_415(api: Api) -> None:
    r = await api.client.post(f"{API}/auth/login", content=json.dumps({"phone": "13800000000",
                                                                      "password": "admin-password"}),
                              headers={"content-type": "text/plain"})
    assert _problem(r, 415)["code"] == "unsupported_media_type"


async def test_413_states_the_limit(api: Api) -> None:
    r = await api.client.post(f"{API}/workers", content="x" * 70_000, headers={"content-type": "application/json"})
    body = _problem(r, 413)
    assert "65536" in body["detail"] and "65536" in body["detail_en"]


async def test_the_contract_lists_problems_limits_and_public_routes(api: Api) -> None:
    doc = (await api.client.get("/schema/openapi.json")).json()
    assert "Problem" in doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status in ("400", "422", "default"):
                assert "application/problem+json" in op["responses"][status]["content"], (path, method, status)
    stations = doc["paths"]["/api/v1/stations"]
    assert stations["get"]["security"] == [] and "security" not in stations["post"]
    assert doc["paths"]["/api/v1/auth/login"]["post"]["security"] == []
    limit = next(p for p in stations["get"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 200)
