"""Schemathesis against the live server (issue 8): a real HTTP server process on the test
database, every operation of the published contract, every role, schemathesis' response
checks, a bounded number of examples. No server error, no answer outside the contract.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode

from gigstation.platform.config import Settings
from tests.api.conftest import ADMIN, API, Api
from tests.api.test_schemathesis import _empty_tables
from tests.conftest import TEST_PII_KEY

ROLES = ["admin", "operator", "worker", "employer", "anonymous"]
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]
_SERVE = """
import json, sys
import uvicorn
from gigstation.application import create_app
from gigstation.platform.config import Settings
settings = Settings.from_env({}, **json.loads(sys.argv[1]))
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def live_url(settings: Settings, tmp_path: Any) -> Iterator[str]:
    asyncio.run(_empty_tables(settings.database_url or ""))
    port = _free_port()
    config = {"database_url": settings.database_url, "data_dir": str(tmp_path),
              "secret_key": "live-secret-0123456789abcdef0123456789", "pii_key": TEST_PII_KEY,
              "password_time_cost": 1, "password_memory_kib": 1024, "admin_phone": ADMIN["phone"],
              "admin_password": ADMIN["password"], "login_rate_per_minute": 100_000, "auto_dispatch": False}
    server = subprocess.Popen([sys.executable, "-c", _SERVE, json.dumps(config), str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(url + API + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _tokens(url: str) -> dict[str, str]:
    body = Api(None)  # type: ignore[arg-type]  # only its body builders
    with httpx.Client(base_url=url + API) as client:
        def post(path: str, json: dict[str, Any], token: str | None = None) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            r = client.post(path, json=json, headers=headers)
            assert r.status_code in (200, 201), r.text
            return dict(r.json())

        admin = post("/auth/login", ADMIN)["token"]
        station = post("/stations", {"name": "驿站", "address": "青浦", "lat": 31.151, "lon": 121.117}, admin)
        post("/operators", {"name": "专员", "phone": "13912340000", "password": "operator-pass",
                            "station_ids": [station["id"]]}, admin)
        operator = post("/auth/login", {"phone": "13912340000", "password": "operator-pass"})["token"]
        worker = post("/workers", body.worker_body())["token"]
        employer = post("/employers", body.employer_body())["token"]
    return {"admin": admin, "operator": operator, "worker": worker, "employer": employer}


@pytest.mark.slow
def test_the_live_server_keeps_its_contract(live_url: str) -> None:
    schema = schemathesis.openapi.from_url(live_url + "/schema/openapi.json")
    schema.raw_schema.pop("security", None)  # tokens come from real accounts below
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    tokens = _tokens(live_url)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    session = requests.Session()
    for operation in operations:
        strategy = st.one_of([operation.as_strategy(generation_mode=mode)
                              for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)])

        @settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
                  database=None)
        @given(case=strategy, role=st.sampled_from(ROLES))
        def check(case: Any, role: str) -> None:
            headers = {"Authorization": f"Bearer {tokens[role]}"} if role != "anonymous" else {}
            response = case.call(base_url=live_url, headers=headers, session=session)
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (AssertionError, FailureGroup) as exc:
                failures.append(f"{case.method} {case.formatted_path} as {role}: {str(exc)[:300]}")

        check()
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(sorted(set(failures))[:30])
    assert statuses[500] == 0
    # Signed-in cases got past the guards into the services, not only into 401s and 404s.
    assert sum(n for s, n in statuses.items() if s < 300) >= 30, statuses
