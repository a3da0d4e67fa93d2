"""Who may call what: every protected route against every kind of caller.

One small world (two stations, an operator for each, two workers, two employers, an order
and a check-in at station A owned by the first of each) and a table of expected statuses.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
import msgspec
import pytest

from gigstation.platform.auth import Principal, issue_token
from gigstation.platform.clock import now
from gigstation.platform.config import Settings
from tests.api.conftest import API, Api, bearer, evidence, next_phone

CALLERS = [
    "anonymous", "bad_token", "expired_token", "foreign_key_token",
    "admin", "operator_own", "operator_other", "worker_own", "worker_other",
    "employer_own", "employer_other",
]


@dataclass
class World:
    tokens: dict[str, str]
    ids: dict[str, str]


async def build_world(api: Api, settings: Settings) -> World:
    admin = await api.admin()
    a = await api.station(admin, name="A站")
    b = await api.station(admin, lat=31.40, lon=121.40, name="B站")
    _, op_a = await api.operator(admin, [a["id"]])
    _, op_b = await api.operator(admin, [b["id"]])
    w1, w1_token = await api.worker(skills=["forklift", "moving"])
    w2, w2_token = await api.worker()
    e1, e1_token = await api.employer()
    _, e2_token = await api.employer()
    order = await api.order(e1_token)
    assert order["station_id"] == a["id"]
    checkin = await api.checkin(w1_token, a["id"])
    expired = issue_token(msgspec.structs.replace(settings, token_ttl_s=-60),
                          Principal(uuid.UUID(w1["id"]), "worker"))[0]
    foreign = jwt.encode({"sub": w1["id"], "role": "admin", "exp": int(now().timestamp()) + 600},
                         "some-other-secret-0123456789abcdef", algorithm="HS256")
    tokens = {
        "bad_token": "not.a.token", "expired_token": expired, "foreign_key_token": foreign,
        "admin": admin, "operator_own": op_a, "operator_other": op_b,
        "worker_own": w1_token, "worker_other": w2_token,
        "employer_own": e1_token, "employer_other": e2_token,
    }
    ids = {"station_a": a["id"], "station_b": b["id"], "worker": w1["id"], "worker2": w2["id"],
           "employer": e1["id"], "order": order["id"], "checkin": checkin["id"],
           "worker_phone": w1["phone"]}
    return World(tokens, ids)


_BODIES = Api(None)  # type: ignore[arg-type]  # only for its body builders

Body = Callable[[dict[str, str], str], dict[str, Any] | None]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    expect: dict[str, int]
    """Status by caller kind; callers not listed get the role default below."""
    body: Body = lambda ids, caller: None
    object_path: bool = False
    """The path names an object; strangers must get the same 404 as for an unknown id."""


def _only(allowed: dict[str, int]) -> dict[str, int]:
    """Listed callers as given, other signed-in roles 403, the rest 401."""
    out = {c: 401 for c in ("anonymous", "bad_token", "expired_token", "foreign_key_token")}
    for caller in CALLERS[4:]:
        out[caller] = allowed.get(caller, 403)
    return out


def _both(role: str, status: int) -> dict[str, int]:
    return {f"{role}_own": status, f"{role}_other": status}


def _checkin_body(ids: dict[str, str], caller: str) -> dict[str, Any]:
    body: dict[str, Any] = {"station_id": ids["station_a"], "lat": 31.151, "lon": 121.117,
                            "available_until": (now() + timedelta(hours=4)).isoformat()}
    if caller.startswith("operator"):
        body = {"station_id": ids["station_a"], "worker_id": ids["worker2"],
                "available_until": body["available_until"]}
    return body


ROUTES = [
    Route("POST", "/stations", _only({"admin": 201}),
          lambda ids, c: {"name": "新站", "address": "青浦", "lat": 31.1, "lon": 121.1, "service_radius_m": 500}),
    Route("POST", "/operators", _only({"admin": 201}),
          lambda ids, c: {"name": "专员", "phone": next_phone("139"), "password": "operator-pass",
                          "station_ids": [ids["station_a"]]}),
    Route("GET", "/workers/me", _only(_both("worker", 200))),
    Route("PATCH", "/workers/me", _only(_both("worker", 200)), lambda ids, c: {"name": "新名字"}),
    Route("GET", "/workers/lookup?phone={worker_phone}",
          _only({"admin": 200, **_both("operator", 200)})),
    Route("POST", "/workers/{worker}/skills/forklift/verify",
          _only({"admin": 200, **_both("operator", 200)})),
    Route("PUT", "/workers/{worker}/priority-groups",
          _only({"admin": 200, **_both("operator", 200)}), lambda ids, c: {"groups": [evidence("veteran")]}),
    Route("GET", "/employers/me", _only(_both("employer", 200))),
    Route("POST", "/employers/{employer}/verify", _only({"admin": 200, **_both("operator", 200)})),
    Route("POST", "/orders", _only(_both("employer", 201)),
          lambda ids, c: _BODIES.order_body()),
    Route("GET", "/orders", _only({"admin": 200, **_both("operator", 200), **_both("employer", 200)})),
    Route("GET", "/orders/{order}", _only({"admin": 200, "operator_own": 200, "operator_other": 404,
                                           "employer_own": 200, "employer_other": 404}),
          object_path=True),
    Route("GET", "/stations/{station_a}/board",
          _only({"admin": 200, "operator_own": 200, "operator_other": 404}), object_path=True),
    Route("GET", "/checkins/{checkin}", _only({"admin": 200, "operator_own": 200, "operator_other": 404,
                                               "worker_own": 200, "worker_other": 404}),
          object_path=True),
    # worker_own already waits at A (409); worker_other checks in; operator B does not serve A.
    Route("POST", "/checkins", _only({"worker_own": 409, "worker_other": 201, "operator_own": 201,
                                      "operator_other": 404}), _checkin_body),
    Route("POST", "/checkins/{checkin}/checkout",
          _only({"admin": 200, "operator_own": 200, "operator_other": 404,
                 "worker_own": 200, "worker_other": 404}), object_path=True),
    Route("POST", "/orders/{order}/cancel", _only({"admin": 200, "operator_own": 200, "operator_other": 404,
                                                   "employer_own": 200, "employer_other": 404}),
          object_path=True),
]


def _headers(world: World, caller: str) -> dict[str, str]:
    return {} if caller == "anonymous" else bearer(world.tokens[caller])


def _unknown_path(route: Route, ids: dict[str, str]) -> str:
    """The same route with every object id replaced by one that does not exist."""
    missing = str(uuid.uuid4())
    return route.path.format(**{k: missing if k != "worker_phone" else v for k, v in ids.items()})


def _without_instance(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "instance"}


SIGNED_OUT = CALLERS[:4]


# Signed-out callers change nothing, so they share one world; each signed-in kind gets its own.
@pytest.mark.parametrize("callers", [SIGNED_OUT, *[[c] for c in CALLERS[4:]]],
                         ids=["signed_out", *CALLERS[4:]])
async def test_access_matrix(api: Api, settings: Settings, callers: list[str]) -> None:
    world = await build_world(api, settings)
    wrong: list[str] = []
    for caller in callers:
        await _check_caller(api, world, caller, wrong)
    assert wrong == []


async def _check_caller(api: Api, world: World, caller: str, wrong: list[str]) -> None:
    headers = _headers(world, caller)
    for route in ROUTES:
        path = API + route.path.format(**world.ids)
        body = route.body(world.ids, caller)
        r = await api.client.request(route.method, path, headers=headers, json=body)
        expected = route.expect[caller]
        if r.status_code != expected:
            wrong.append(f"{caller} {route.method} {route.path}: {r.status_code} != {expected} ({r.text[:160]})")
            continue
        if expected >= 400:
            assert r.headers["content-type"].startswith("application/problem+json"), route.path
            assert r.json()["status"] == expected
        if expected == 404 and route.object_path:
            # A stranger learns nothing: asking again, or about an id that does not exist,
            # gives the very same answer.
            again = await api.client.request(route.method, path, headers=headers, json=body)
            unknown = await api.client.request(route.method, API + _unknown_path(route, world.ids),
                                               headers=headers, json=body)
            assert again.status_code == unknown.status_code == 404, route.path
            assert _without_instance(again.json()) == _without_instance(r.json()), route.path
            assert _without_instance(unknown.json()) == _without_instance(r.json()), route.path


async def test_anonymous_may_use_the_public_routes(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    for path in ("/stations", f"/stations/{station['id']}", f"/stations/{station['id']}/qr.svg",
                 "/health", "/ready", "/employers/commitment", "/skills"):
        r = await api.client.get(API + path)
        assert r.status_code == 200, path
    r = await api.client.post(f"{API}/workers", json=api.worker_body())
    assert r.status_code == 201
    r = await api.client.post(f"{API}/employers", json=api.employer_body())
    assert r.status_code == 201


async def test_operator_sees_only_their_stations_orders_and_board(api: Api, settings: Settings) -> None:
    world = await build_world(api, settings)
    t = world.tokens
    own = (await api.client.get(f"{API}/orders", headers=bearer(t["operator_own"]))).json()["items"]
    other = (await api.client.get(f"{API}/orders", headers=bearer(t["operator_other"]))).json()["items"]
    assert [o["id"] for o in own] == [world.ids["order"]]
    assert other == []
    stranger = (await api.client.get(f"{API}/orders", headers=bearer(t["employer_other"]))).json()["items"]
    assert stranger == []
    everything = (await api.client.get(f"{API}/orders", headers=bearer(t["admin"]))).json()["items"]
    assert [o["id"] for o in everything] == [world.ids["order"]]
    board_b = await api.client.get(f"{API}/stations/{world.ids['station_b']}/board",
                                   headers=bearer(t["operator_other"]))
    assert board_b.status_code == 200
    assert board_b.json()["waiting"] == [] and board_b.json()["open_orders"] == []


async def test_worker_cannot_check_in_someone_else(api: Api, settings: Settings) -> None:
    world = await build_world(api, settings)
    body = _checkin_body(world.ids, "worker_other") | {"worker_id": world.ids["worker"]}
    r = await api.client.post(f"{API}/checkins", headers=bearer(world.tokens["worker_other"]), json=body)
    assert r.status_code == 403


async def test_operator_checking_in_a_non_worker_gets_404(api: Api, settings: Settings) -> None:
    world = await build_world(api, settings)
    body = _checkin_body(world.ids, "operator_own") | {"worker_id": world.ids["employer"]}
    r = await api.client.post(f"{API}/checkins", headers=bearer(world.tokens["operator_own"]), json=body)
    assert r.status_code == 404
