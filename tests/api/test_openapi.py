"""The committed contract api/openapi.json is what the app serves."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from litestar.testing import AsyncTestClient

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "api" / "openapi.json"
HOW_TO_FIX = "api/openapi.json is out of date: run `python scripts/export_openapi.py` and commit the result"


def _exporter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("export_openapi", ROOT / "scripts" / "export_openapi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_served_schema_matches_the_committed_file(client: AsyncTestClient[Any]) -> None:
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    served = r.json()
    assert COMMITTED.exists(), HOW_TO_FIX
    committed = json.loads(COMMITTED.read_text("utf-8"))
    added = sorted(set(served["paths"]) - set(committed["paths"]))
    removed = sorted(set(committed["paths"]) - set(served["paths"]))
    assert (added, removed) == ([], []), f"{HOW_TO_FIX} (paths added {added}, removed {removed})"
    assert served == committed, HOW_TO_FIX


def test_committed_file_is_in_canonical_form() -> None:
    exporter = _exporter()
    text = COMMITTED.read_text("utf-8")
    assert text == exporter.render(json.loads(text)), HOW_TO_FIX


def test_schema_documents_the_core_routes() -> None:
    paths = json.loads(COMMITTED.read_text("utf-8"))["paths"]
    for path, method in [("/api/v1/auth/login", "post"), ("/api/v1/workers", "post"),
                         ("/api/v1/employers", "post"), ("/api/v1/orders", "post"),
                         ("/api/v1/checkins", "post"), ("/api/v1/stations/{station_id}/board", "get"),
                         ("/api/v1/health", "get"), ("/api/v1/ready", "get")]:
        assert method in paths.get(path, {}), (path, method)
