"""A day served by a real ``gigstation serve`` (two granian workers): ``/metrics`` scraped during
a simulated day parses and shows dispatch and request figures added up over the processes,
with no personal data in any label; the JSON log carries request ids and no phone, name or
identity number anywhere."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gigstation.platform.pii import PiiCipher
from gigstation.sim.demo import demo_resident_id
from tests.ops.conftest import API, embedded_url, ops_env, query, serve
from tests.test_startup import _free_port, _reaped, _wait_ready

pytestmark = pytest.mark.slow  # a server and a simulated day (about 40 s)

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")


def _scrape(base: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    r = httpx.get(f"{base}/metrics", timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return found


def _total(found: dict[str, list[tuple[dict[str, str], float]]], name: str) -> float:
    return sum(v for _, v in found.get(name, []))


def _traffic(base: str, people: list[dict[str, str]]) -> list[str]:
    """Registrations, good and bad sign-ins, pages and errors, as phones would make them."""
    request_ids = []
    with httpx.Client(base_url=base, timeout=30) as c:
        for p in people:
            r = c.post(f"{API}/workers", json=p)
            assert r.status_code == 201, r.text
            request_ids.append(r.headers["x-request-id"])
            c.post(f"{API}/auth/login", json={"phone": p["phone"], "password": "wrong-password"})
            token = c.post(f"{API}/auth/login", json={"phone": p["phone"], "password": p["password"]}).json()["token"]
            c.get(f"{API}/workers/me", headers={"authorization": f"Bearer {token}"})
            c.get("/login")
            c.get(f"{API}/workers/{p['phone']}")  # a 404 with a phone in the path
    return request_ids


def test_metrics_and_logs_of_a_simulated_day(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "serve.log"
    port = _free_port()
    server = serve(data, port, log, ops_env(GIGSTATION_LOG_FORMAT="json", GIGSTATION_LOG_LEVEL="info"))
    base = f"http://127.0.0.1:{port}"
    with _reaped(server):
        _wait_ready(server, port, log)
        url = embedded_url(data)
        sim_log = tmp_path / "simulate.log"
        env = ops_env(GIGSTATION_DATABASE_URL=url, GIGSTATION_DATA_DIR=str(data), GIGSTATION_LOG_FORMAT="json",
                      GIGSTATION_LOG_LEVEL="debug")
        day = subprocess.Popen([sys.executable, "-m", "gigstation.cli", "simulate", "--workers", "20",
                                "--stations", "2"], env=env, stdout=sim_log.open("wb"), stderr=subprocess.STDOUT)
        people = [{"name": f"测试{n}号", "phone": f"1371234{n:04d}", "password": "worker-pass",
                   "id_type": "resident_id", "id_number": demo_resident_id(date(1980, 1, 1), 900 + n),
                   "skills": ["moving"]} for n in range(6)]
        scrapes: list[dict[str, list[tuple[dict[str, str], float]]]] = []
        ids: list[str] = []
        worker = threading.Thread(target=lambda: ids.extend(_traffic(base, people)))
        worker.start()
        while day.poll() is None:  # scraped during the day
            scrapes.append(_scrape(base))
            time.sleep(0.5)
        worker.join()
        assert day.returncode == 0, sim_log.read_text()[-3000:]
        final = _scrape(base)
        assert len(scrapes) >= 2
        # Requests counted by route template, added up over both worker processes.
        requests = final["gigstation_http_requests_total"]
        registered = sum(v for labels, v in requests if labels["route"] == "/api/v1/workers"
                         and labels["method"] == "POST" and labels["status"] == "201")
        assert registered == len(people)
        assert _total(final, "gigstation_http_requests_total") >= 6 * len(people) + len(scrapes)
        assert any(labels.get("route") == "unmatched" for labels, _ in requests)
        assert _total(final, "gigstation_http_request_duration_seconds_count") > 0
        # The day's dispatch, offers and waiting room, from the database.
        assert _total(final, "gigstation_dispatch_runs_today_total") > 0
        assert _total(final, "gigstation_dispatch_solver_seconds_today_total") > 0
        assert _total(final, "gigstation_offers_today") > 0
        assert {labels["station"] for labels, _ in final["gigstation_people_waiting"]}
        assert "gigstation_db_pool_size" in final and "gigstation_event_streams" in final
        stored = [r["phone"] for r in query(url, "SELECT phone FROM users")]
        for scrape in [*scrapes, final]:
            for samples in scrape.values():
                for labels, _ in samples:
                    for value in labels.values():
                        assert not PHONE.search(value) and not ID_NUMBER.search(value), value
                        assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", value), value  # no ids in routes
                        assert value not in stored
        key = (data / "keys" / "pii-1.key").read_text()
        cipher = PiiCipher(key)
        personal = set()
        for row in query(url, "SELECT u.phone, u.name, w.id_cipher FROM users u "
                              "LEFT JOIN workers w ON w.user_id = u.id"):
            personal |= {v for v in (row["phone"], row["name"]) if v}  # a desk-registered person has no phone
            if row["id_cipher"]:
                personal.add(cipher.decrypt(bytes(row["id_cipher"])))
        assert len(personal) > 40
        # The event stream is never compressed or held back: its first line arrives at once.
        token = httpx.post(f"{base}{API}/auth/login", json={"phone": people[0]["phone"],
                                                          "password": people[0]["password"]}).json()["token"]
        began = time.monotonic()
        with httpx.stream("GET", f"{base}{API}/events", timeout=30, headers={
                "authorization": f"Bearer {token}", "accept-encoding": "gzip, br"}) as events:
            assert events.headers["content-type"].startswith("text/event-stream")
            assert "content-encoding" not in events.headers
            first = next(events.iter_lines())
        assert first.startswith(":") and time.monotonic() - began < 5, first
        server.send_signal(signal.SIGTERM)
        assert server.wait(60) == 0

    # The whole day's log: one JSON object per line, request ids, no personal data.
    lines = [*log.read_text().splitlines(), *sim_log.read_text().splitlines()]
    entries = []
    for line in lines:
        if line.startswith("{"):
            entries.append(json.loads(line))
    assert len(entries) > 6 * len(people)
    logged_ids = {e.get("request_id") for e in entries}
    assert set(ids) <= logged_ids  # every answer's X-Request-ID finds its log line
    text = "\n".join(lines)
    for secret in personal:
        assert secret not in text, f"{secret[:3]}… is in the log"
    assert not PHONE.search(text), PHONE.search(text)
    assert not ID_NUMBER.search(text), ID_NUMBER.search(text)
