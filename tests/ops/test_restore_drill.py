"""The restore drill: simulate a day, back up while the server serves, restore into a fresh data
dir, serve that, and find every table's rows and the day's report as they were; a damaged
backup and a wrong key are refused without touching the target."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import httpx
import pytest

from gigstation.platform.pii import generate_key
from tests.ops.conftest import API, admin_token, embedded_url, gigstation, query, serve, sim_day, simulate
from tests.test_startup import _free_port, _reaped, _wait_ready

pytestmark = pytest.mark.slow  # a simulated day, two servers, a backup and three restores (about a minute)

_COUNTS = """
SELECT format('%I', tablename) AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename
"""


def _counts(url: str) -> dict[str, int]:
    tables = [r["t"] for r in query(url, _COUNTS)]
    return {t: int(query(url, f"SELECT count(*) AS n FROM {t}")[0]["n"]) for t in tables}


def _figures(base: str, day: str) -> dict[str, object]:
    token = admin_token(base)
    r = httpx.get(f"{base}{API}/reports/district", params={"from": day, "to": day},
                  headers={"authorization": f"Bearer {token}"}, timeout=60)
    assert r.status_code == 200, r.text
    report = r.json()
    for station in report["stations"]:
        one = httpx.get(f"{base}{API}/stations/{station['station_id']}/report", params={"date": day},
                        headers={"authorization": f"Bearer {token}"}, timeout=60)
        assert one.status_code == 200, one.text
        report[f"day:{station['station_id']}"] = one.json()
    return dict(report)


def _listing(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_back_up_while_serving_restore_and_serve_the_same_day(tmp_path: Path) -> None:
    data, backups, log = tmp_path / "data", tmp_path / "backups", tmp_path / "serve.log"
    simulate(data)
    port = _free_port()
    server = serve(data, port, log)
    with _reaped(server):
        _wait_ready(server, port, log)
        base = f"http://127.0.0.1:{port}"
        day = sim_day(embedded_url(data))
        before = _figures(base, day)
        # Requests keep arriving while the backup runs.
        stop, served = threading.Event(), []

        def traffic() -> None:
            with httpx.Client(base_url=base, timeout=10) as c:
                while not stop.is_set():
                    served.append(c.get(f"{API}/stations").status_code)
                    c.post(f"{API}/auth/login", json={"phone": "13900000000", "password": "not-it"})

        worker = threading.Thread(target=traffic)
        worker.start()
        try:
            made = gigstation("backup", "--to", str(backups), "--data-dir", str(data))
        finally:
            stop.set()
            worker.join()
        assert made.returncode == 0, made.stderr[-3000:]
        assert served and set(served) == {200}
        server.send_signal(signal.SIGTERM)
        assert server.wait(60) == 0
    [backup] = sorted(backups.glob("gigstation-backup-*"))
    assert sorted(p.name for p in backup.iterdir()) == ["SHA256SUMS", "database.dump", "manifest.json"]
    manifest = json.loads((backup / "manifest.json").read_text())
    assert not list(backup.rglob("*.key")) and manifest["row_counts"]["checkins"] > 0
    key_text = (data / "keys" / "pii-1.key").read_text()
    assert key_text.strip() not in (backup / "database.dump").read_bytes().decode("latin-1")

    # A wrong key: refused, the target untouched.
    wrong = tmp_path / "wrong"
    (wrong / "keys").mkdir(parents=True)
    (wrong / "keys" / "pii-1.key").write_text(generate_key())
    listing = _listing(wrong)
    refused = gigstation("restore", str(backup), "--data-dir", str(wrong))
    assert refused.returncode == 2 and "不是这个备份的密钥" in refused.stderr and "not the key" in refused.stderr
    assert _listing(wrong) == listing
    # A damaged backup: refused before anything, even with the right key.
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for p in backup.iterdir():
        (damaged / p.name).write_bytes(p.read_bytes())
    dump = bytearray((damaged / "database.dump").read_bytes())
    dump[len(dump) // 2] ^= 0x01
    (damaged / "database.dump").write_bytes(bytes(dump))
    fresh = tmp_path / "fresh"
    (fresh / "keys").mkdir(parents=True)
    (fresh / "keys" / "pii-1.key").write_text(key_text)
    listing = _listing(fresh)
    refused = gigstation("restore", str(damaged), "--data-dir", str(fresh))
    assert refused.returncode == 2 and "damaged" in refused.stderr, refused.stderr
    assert _listing(fresh) == listing

    restored = gigstation("restore", str(backup), "--data-dir", str(fresh))
    assert restored.returncode == 0, restored.stderr[-3000:]
    port = _free_port()
    again = serve(fresh, port, log)
    with _reaped(again):
        _wait_ready(again, port, log)
        assert _counts(embedded_url(fresh)) == manifest["row_counts"]
        assert _figures(f"http://127.0.0.1:{port}", day) == before
        again.send_signal(signal.SIGTERM)
        assert again.wait(60) == 0
