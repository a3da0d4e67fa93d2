"""Schemathesis against the app's own OpenAPI schema, in process: valid and invalid requests
to every foundation operation, as every role; no answer may be a 500.

Schemathesis drives the app through its own ASGI client on its own event loop (a sync test),
so the app here has its own pool; tables are emptied first like every other test.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from schemathesis.python import asgi

from gigstation.application import create_app
from gigstation.platform.config import Settings
from tests.api.conftest import ADMIN, API, Api
from tests.conftest import empty_tables

# The foundation's routes; dispatch, offers, assignments and events are tested by their owners.
FOUNDATION = re.compile(
    r"^/api/v1/(auth/login|stations(/\{station_id\}(/board|/qr\.svg)?)?|operators|workers(/me|/lookup"
    r"|/\{worker_id\}/(skills/\{skill\}/verify|priority-groups))?|employers(/me|/commitment"
    r"|/\{employer_id\}/verify)?|orders(/\{order_id\}(/cancel)?)?|checkins(/\{checkin_id\}(/checkout)?)?"
    r"|health|ready|skills)$"
)


async def _empty_tables(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await empty_tables(conn)
    finally:
        await conn.close()


@pytest.fixture
def schema(settings: Settings) -> Iterator[Any]:
    asyncio.run(_empty_tables(settings.database_url or ""))
    app = create_app(settings)
    try:
        yield schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    finally:
        asgi.shutdown_lifespans()


def _tokens(schema: Any) -> dict[str, str]:
    """One signed-in account per role, made through the API like a client would."""
    body = Api(None)  # type: ignore[arg-type]  # only its body builders
    with asgi.get_client(schema.app) as client:
        def post(path: str, json: dict[str, Any], token: str | None = None) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            r = client.post(API + path, json=json, headers=headers)
            assert r.status_code in (200, 201), r.text
            return dict(r.json())

        admin = post("/auth/login", ADMIN)["token"]
        station = post("/stations", {"name": "驿站", "address": "青浦", "lat": 31.151, "lon": 121.117}, admin)
        operator_phone = "13912340000"
        post("/operators", {"name": "专员", "phone": operator_phone, "password": "operator-pass",
                            "station_ids": [station["id"]]}, admin)
        operator = post("/auth/login", {"phone": operator_phone, "password": "operator-pass"})["token"]
        worker = post("/workers", body.worker_body())["token"]
        employer = post("/employers", body.employer_body())["token"]
    return {"admin": admin, "operator": operator, "worker": worker, "employer": employer}


def test_schemathesis_finds_no_server_error(schema: Any) -> None:
    # Tokens come from real accounts below; without this, negative cases would mostly drop
    # the Authorization header and test only the 401 path.
    schema.raw_schema.pop("security", None)
    operations = [result.ok() for result in schema.get_all_operations()]
    ours = [op for op in operations if FOUNDATION.match(op.path)]
    assert len(ours) >= 24, sorted({op.path for op in ours})
    tokens = _tokens(schema)
    cases = st.one_of([op.as_strategy(generation_mode=mode)
                       for op in ours for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)])
    seen: set[tuple[str, str]] = set()
    statuses: Counter[int] = Counter()

    @settings(max_examples=200, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=cases, role=st.sampled_from(["operator", "employer", "worker", "admin", "anonymous"]))
    def check(case: Any, role: str) -> None:
        headers = {"Authorization": f"Bearer {tokens[role]}"} if role != "anonymous" else {}
        response = case.call(headers=headers)
        seen.add((case.method, case.path))
        statuses[response.status_code] += 1
        assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text[:300])
        if response.status_code >= 400 and response.status_code != 405:
            assert response.headers["content-type"][0].startswith("application/problem+json"), response.headers

    check()
    # Signed-in cases got past the guards and reached validation and the database.
    assert statuses[200] + statuses[201] >= 10, statuses
    assert statuses[400] + statuses[422] >= 10, statuses
    # The run reached most operations, not just one or two.
    assert len(seen) >= len(ours) // 2, seen
