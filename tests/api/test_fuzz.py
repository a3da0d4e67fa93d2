"""Nothing a client sends produces a 500: Hypothesis throws bodies at every foundation
POST/PUT/PATCH route, and every answer must be a problem-details 4xx or a success."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigstation.platform.clock import now
from gigstation.platform.config import Settings
from tests.api.conftest import API, Api, bearer, evidence

FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text the way clients really send it: any code point, including NUL, controls and lone
# surrogates (escaped in JSON as \udXXX).
# Values that have broken web services before, mixed in so they are tried often.
NASTY = ["", " ", "\x00", "王\x00", "\ud800", "null", "0", "-1", "1e309", "9" * 40, "王" * 300,
         "'; DROP TABLE users; --", "2026-02-30T25:61:00+08:00", "00000000-0000-0000-0000-000000000000"]
texts = st.text(alphabet=st.characters(codec=None), max_size=30) | st.sampled_from(NASTY)
json_scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
                | st.floats(allow_nan=False, allow_infinity=False) | texts)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(texts, inner, max_size=4), max_leaves=12)


def _mutations(valid: dict[str, Any]) -> st.SearchStrategy[Any]:
    """The valid body with some fields replaced, dropped or added; or anything at all."""
    fields = sorted(valid)
    edited = st.fixed_dictionaries({
        "replace": st.dictionaries(st.sampled_from(fields), json_values, max_size=3),
        "drop": st.lists(st.sampled_from(fields), max_size=2, unique=True),
        "add": st.dictionaries(texts, json_values, max_size=1),
    }).map(lambda m: {k: v for k, v in {**valid, **m["replace"], **m["add"]}.items()
                      if k not in m["drop"]})
    return st.one_of(edited, edited, json_values)


class Targets:
    """Tokens and valid bodies for every mutating foundation route."""

    def __init__(self, api: Api, tokens: dict[str, str], ids: dict[str, str]) -> None:
        self.api = api
        self.tokens = tokens
        self.ids = ids

    def routes(self) -> dict[str, tuple[str, str, str | None, dict[str, Any]]]:
        until = (now() + timedelta(hours=4)).isoformat()
        a, ids = self.api, self.ids
        return {
            "login": ("POST", "/auth/login", None, {"phone": "13800000000", "password": "x" * 8}),
            "station": ("POST", "/stations", "admin", {"name": "站", "address": "青浦", "lat": 31.1,
                                                      "lon": 121.1, "service_radius_m": 500}),
            "operator": ("POST", "/operators", "admin", {"name": "专员", "phone": "13911112222",
                                                        "password": "operator-pass",
                                                        "station_ids": [ids["station"]]}),
            "worker": ("POST", "/workers", None, a.worker_body()),
            "employer": ("POST", "/employers", None, a.employer_body()),
            "order": ("POST", "/orders", "employer", a.order_body()),
            "checkin": ("POST", "/checkins", "worker", {"station_id": ids["station"], "lat": 31.151,
                                                        "lon": 121.117, "available_until": until}),
            "checkin_by_operator": ("POST", "/checkins", "operator", {
                "station_id": ids["station"], "worker_id": ids["worker"], "available_until": until}),
            "profile": ("PATCH", "/workers/me", "worker", {"name": "新名字", "skills": ["moving"]}),
            "priority": ("PUT", f"/workers/{ids['worker']}/priority-groups", "operator",
                         {"groups": [evidence("veteran")]}),
        }


@pytest.fixture
async def targets(api: Api) -> Targets:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    worker, worker_token = await api.worker()
    _, employer = await api.employer()
    return Targets(api, {"admin": admin, "operator": operator, "worker": worker_token, "employer": employer},
                   {"station": station["id"], "worker": worker["id"]})


def assert_no_server_error(r: httpx.Response, sent: object) -> None:
    assert r.status_code < 500, (r.status_code, r.text[:300], repr(sent)[:300])
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json"), (r.headers, sent)
        problem = r.json()
        assert problem["status"] == r.status_code and problem["title"] and problem["detail"]


ROUTE_NAMES = ["login", "station", "operator", "worker", "employer", "order", "checkin",
               "checkin_by_operator", "profile", "priority"]
CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded",
                 "multipart/form-data", "multipart/form-data; boundary=xyz", "application/json; charset=latin-1", ""]


# One world for all routes (setting it up is the slow part); Hypothesis picks the route.
@settings(FUZZ, max_examples=400)
@given(data=st.data())
async def test_random_json_bodies_never_cause_a_500(targets: Targets, data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(ROUTE_NAMES), label="route")
    method, path, role, valid = targets.routes()[route]
    headers = {"content-type": "application/json", **(bearer(targets.tokens[role]) if role else {})}
    body = data.draw(_mutations(valid), label="body")
    # ensure_ascii: lone surrogates travel as \udXXX escapes, as a browser may send them.
    content = json.dumps(body, ensure_ascii=True).encode()
    r = await targets.api.client.request(method, API + path, content=content, headers=headers)
    assert_no_server_error(r, body)


@settings(FUZZ, max_examples=80)
@given(route=st.sampled_from(["worker", "employer", "order", "checkin", "station"]),
       content=st.binary(max_size=200), content_type=st.sampled_from(CONTENT_TYPES))
async def test_random_bytes_and_content_types_never_cause_a_500(targets: Targets, route: str, content: bytes,
                                                                content_type: str) -> None:
    method, path, role, _ = targets.routes()[route]
    headers = {**(bearer(targets.tokens[role]) if role else {}),
               **({"content-type": content_type} if content_type else {})}
    r = await targets.api.client.request(method, API + path, content=content, headers=headers)
    assert_no_server_error(r, content)
    assert r.status_code in (400, 415, 422), r.text


async def test_bodies_over_the_limit_are_413(api: Api, settings: Settings, db: asyncpg.Connection[Any]) -> None:
    body = api.worker_body(name="王" * (settings.max_body_bytes // 3 + 10))
    content = json.dumps(body, ensure_ascii=False).encode()
    assert len(content) > settings.max_body_bytes
    r = await api.client.post(f"{API}/workers", content=content, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await db.fetchval("SELECT count(*) FROM users WHERE role = 'worker'") == 0


async def test_nul_and_surrogates_in_text_are_refused_not_crashed(api: Api, db: asyncpg.Connection[Any]) -> None:
    # PostgreSQL cannot store U+0000: it must be refused at the edge, naming the field.
    for over, field in [({"name": "王\u0000师傅"}, "name"), ({"password": "pass\u0000word"}, None)]:
        r = await api.client.post(f"{API}/workers", json=api.worker_body(**over))
        if field is None:
            assert r.status_code == 201, r.text  # a password is only hashed, never stored as text
            continue
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == [field]
    admin = await api.admin()
    r = await api.client.post(f"{API}/stations", headers=bearer(admin), json={
        "name": "站", "address": "青浦\u0000", "lat": 31.1, "lon": 121.1})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "address"
    # Lone surrogates cannot be decoded at all: malformed, 400.
    for name in ["\ud800", "a\udfffb"]:
        content = json.dumps(api.worker_body(name=name), ensure_ascii=True).encode()
        r = await api.client.post(f"{API}/workers", content=content, headers={"content-type": "application/json"})
        assert r.status_code == 400, (name, r.text)
    assert await db.fetchval("SELECT count(*) FROM users WHERE role = 'worker'") == 1
