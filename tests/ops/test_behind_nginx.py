"""docs/deploy.md followed once: Debian's nginx terminates HTTPS (a certificate made here with
openssl) in front of a real ``gigstation serve``; Chromium signs in (Secure cookie), checks in
with the phone's location, sees the security headers and cannot frame ``/worker`` from another
origin; a forged X-Forwarded-For sent straight to the server counts against the real sender."""

from __future__ import annotations

import re
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from gigstation.sim.demo import demo_resident_id
from tests.ops.conftest import ADMIN_PASSWORD, ADMIN_PHONE, API, ops_env, serve
from tests.test_startup import _free_port, _reaped, _wait_ready

pytestmark = pytest.mark.slow  # nginx, a server and a browser (about 30 s)

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
STATION = (31.1510, 121.1170)


def _trust(cert: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cert)


def deploy_block(marker: str) -> str:
    """The fenced block after ``<!-- deploy:marker -->`` in docs/deploy.md."""
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- deploy:{marker} -->\n```\w*\n(.*?)```", text, re.S)
    assert match is not None, marker
    return match.group(1)


def _nginx_conf(tmp: Path, https_port: int, upstream: int) -> Path:
    """The site from docs/deploy.md, with only the test's certificate, ports and paths."""
    site = deploy_block("nginx")
    site = site.replace("/etc/ssl/gigstation/fullchain.pem", str(tmp / "cert.pem"))
    site = site.replace("/etc/ssl/gigstation/privkey.pem", str(tmp / "key.pem"))
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{_free_port()};")
    conf = tmp / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
daemon off;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    {site}
}}
""", encoding="utf-8")
    return conf


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    return tmp_path / "cert.pem"


@pytest.fixture
def nginx_in_front(tmp_path: Path, certificate: Path) -> Iterator[tuple[str, int, str]]:
    """``gigstation serve`` behind nginx: yields the HTTPS base URL, the server's own port and
    the certificate to trust."""
    upstream, https_port = _free_port(), _free_port()
    base = f"https://127.0.0.1:{https_port}"
    log = tmp_path / "serve.log"
    server = serve(tmp_path / "data", upstream, log, ops_env(
        GIGSTATION_TRUSTED_PROXIES="127.0.0.1", GIGSTATION_PUBLIC_BASE_URL=base,
        GIGSTATION_LOGIN_RATE_PER_MINUTE="5"))
    conf = _nginx_conf(tmp_path, https_port, upstream)
    proxy = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.PIPE)
    with _reaped(server):
        try:
            _wait_ready(server, upstream, log)
            deadline = time.monotonic() + 20
            while True:
                try:
                    if httpx.get(f"{base}{API}/health", verify=_trust(str(certificate)), timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proxy.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"nginx did not come up: {proxy.stderr.read() if proxy.stderr else ''!r}")
                time.sleep(0.2)
            yield base, upstream, str(certificate)
        finally:
            proxy.send_signal(signal.SIGQUIT)
            proxy.wait(20)


def test_the_systemd_unit_in_the_docs_is_valid(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    unit = tmp_path / "gigstation.service"
    text = deploy_block("systemd")
    # The paths are the install's; here they point at this machine's interpreter.
    text = text.replace("/opt/gigstation/venv/bin/gigstation", shutil.which("python3") or "/usr/bin/python3")
    text = text.replace("EnvironmentFile=/etc/gigstation/gigstation.env", "")
    text = text.replace("User=gigstation", "User=root").replace("Group=gigstation", "Group=root")
    unit.write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False)
    problems = [line for line in done.stderr.splitlines() if str(unit) in line]
    assert not problems, done.stderr


def _seed(base: str, cert: str) -> tuple[str, str]:
    """A station and a worker, made through the API over HTTPS."""
    with httpx.Client(base_url=base, verify=_trust(cert), timeout=30) as c:
        token = admin_token_over(c)
        station = c.post(f"{API}/stations", headers={"authorization": f"Bearer {token}"}, json={
            "name": "青浦区赵巷零工驿站", "address": "上海市青浦区赵巷镇业辉路100号", "lat": STATION[0],
            "lon": STATION[1], "service_radius_m": 500})
        assert station.status_code == 201, station.text
        worker = c.post(f"{API}/workers", json={
            "name": "王师傅", "phone": "13612345678", "password": "worker-pass-1", "id_type": "resident_id",
            "id_number": demo_resident_id(date(1975, 3, 1), 5), "skills": ["moving"]})
        assert worker.status_code == 201, worker.text
        return str(station.json()["id"]), "13612345678"


def admin_token_over(c: httpx.Client) -> str:
    r = c.post(f"{API}/auth/login", json={"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def test_https_through_nginx_in_chromium(nginx_in_front: tuple[str, int, str]) -> None:
    pw = pytest.importorskip("playwright.sync_api")
    base, upstream, cert = nginx_in_front
    station_id, phone = _seed(base, cert)
    errors: list[str] = []
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                    "--disable-dev-shm-usage"])
        context = browser.new_context(
            base_url=base, ignore_https_errors=True, viewport={"width": 360, "height": 740},
            geolocation={"latitude": STATION[0] + 0.001, "longitude": STATION[1]})
        context.grant_permissions(["geolocation"], origin=base)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        first = page.goto("/login")
        assert first is not None
        headers = first.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["strict-transport-security"].startswith("max-age=")
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
        assert page.evaluate("window.isSecureContext")
        page.locator("#f-phone").fill(phone)
        page.locator("#f-password").fill("worker-pass-1")
        page.locator("form[action='/login'] button[type=submit]").click()
        page.wait_for_url(re.compile(r"/worker"))
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["gs_session"]["secure"] and cookies["gs_session"]["httpOnly"]
        assert cookies["gs_csrf"]["secure"]
        # Check in with the phone's location, granted to this HTTPS origin.
        page.goto(f"/worker/checkin?station={station_id}")
        page.get_by_text("已获取位置").wait_for()
        page.get_by_role("button", name="签到", exact=True).click()
        page.wait_for_url(re.compile(r"/worker$"))
        page.get_by_role("heading", name=re.compile("已签到")).wait_for()
        # Another origin cannot show /worker in a frame.
        context.route("https://attacker.example/**", lambda route: route.fulfill(
            status=200, content_type="text/html",
            body=f'<!doctype html><iframe id="f" src="{base}/worker" width="300" height="300"></iframe>'))
        evil = context.new_page()
        evil.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        evil.goto("https://attacker.example/")
        evil.wait_for_timeout(1500)
        framed = [f for f in evil.frames if f != evil.main_frame]
        # Chromium replaces a refused frame by its error page (the session cookie was sent: it is
        # the CSP's frame-ancestors, not a missing sign-in, that stops it).
        assert framed and framed[0].url.startswith("chrome-error://"), [f.url for f in framed]
        browser.close()
    # The worker's own pages raised no CSP error (only the attacker page's refusal was logged).
    assert not [e for e in errors if "Content Security Policy" in e and "frame-ancestors" not in e], errors

    # Straight to the server from another address, with a forged X-Forwarded-For: the limit
    # counts the real address (5 failed sign-ins a minute here), not the forged ones.
    if time.time() % 60 > 50:  # fixed one-minute windows: do not straddle a boundary
        time.sleep(61 - time.time() % 60)
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=f"http://127.0.0.1:{upstream}", transport=transport, timeout=30) as direct:
        codes = []
        for n in range(7):
            r = direct.post(f"{API}/auth/login", json={"phone": f"1391111{n:04d}", "password": "wrong-password"},
                            headers={"x-forwarded-for": f"203.0.113.{n + 1}", "x-forwarded-proto": "https"})
            codes.append(r.status_code)
            assert "secure" not in r.headers.get("set-cookie", "").lower()  # not believed: plain HTTP
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429], codes
    # nginx's clients (here 127.0.0.1) keep their own count.
    ok = httpx.post(f"{base}{API}/auth/login", json={"phone": phone, "password": "worker-pass-1"},
                    verify=_trust(cert))
    assert ok.status_code == 200
