"""Browser tests: a live server on the test database, headless Chromium through Playwright.

Every request the page makes to anything but the live server is blocked and recorded;
console errors are collected; ``axe_violations`` injects the vendored axe-core; ``shot``
saves screenshots to ``test-artifacts/screens/``. Pages and contexts come from
``browser_ctx`` / ``new_page``, which check the blocked requests and console errors after
the test, so a test fails on either without asserting it itself.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import httpx
import pytest
import uvicorn

from gigstation.application import create_app
from gigstation.people import accounts, employers, workers
from gigstation.platform.auth import PasswordHasher
from gigstation.platform.clock import now
from gigstation.platform.config import Settings
from gigstation.platform.keys import newest_key_bytes
from gigstation.platform.pii import PiiCipher
from gigstation.sim.demo import demo_credit_code, demo_resident_id
from gigstation.stations import registry as stations
from tests.conftest import TEST_PII_KEY, empty_tables

pw = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "test-artifacts" / "screens"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
]
PASSWORD = "test-pass-123"
ADMIN_PHONE = "13800000000"
STATION_LAT, STATION_LON = 31.1510, 121.1170

T = TypeVar("T")
_seq = itertools.count(1)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion in its own thread (Playwright's sync API owns this one)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001  (re-raised in the caller's thread)
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def next_phone(prefix: str = "136") -> str:
    return f"{prefix}{os.getpid() % 1000:03d}{next(_seq):05d}"


# ---------------------------------------------------------------- live server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    settings: Settings
    database_url: str


@pytest.fixture(scope="session")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """uvicorn serving ``create_app`` in a thread, on a free port, against the test database."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings.from_env(
        {}, database_url=database_url, data_dir=str(tmp_path_factory.mktemp("web")),
        secret_key="web-test-secret-0123456789abcdef0123", pii_key=TEST_PII_KEY,
        password_time_cost=1, password_memory_kib=1024, login_rate_per_minute=1000,
        public_base_url=url, pool_max_size=10,
    )
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield LiveServer(url, settings, database_url)
    server.should_exit = True
    thread.join(timeout=10)


# ---------------------------------------------------------------- seed data


@dataclass
class Account:
    id: UUID
    phone: str
    password: str = PASSWORD
    name: str = ""


@dataclass
class Seed:
    admin: Account
    station_id: UUID
    station_name: str
    operator: Account
    employer: Account
    workers: list[Account] = field(default_factory=list)



async def _seed(server: LiveServer, n_workers: int) -> Seed:
    settings = server.settings
    hasher = PasswordHasher(settings)
    cipher = PiiCipher(newest_key_bytes(settings))
    pw_hash = await hasher.hash(PASSWORD)
    today = now().date()
    conn = await asyncpg.connect(server.database_url)
    try:
        await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
        await empty_tables(conn)
        async with conn.transaction():
            await accounts.ensure_admin(conn, ADMIN_PHONE, pw_hash)
            admin_id = await conn.fetchval("SELECT id FROM users WHERE phone = $1", ADMIN_PHONE)
            station = await stations.create_station(conn, admin_id, stations.StationCreate(
                name="青浦区赵巷零工驿站", address="上海市青浦区赵巷镇业辉路100号",
                lat=STATION_LAT, lon=STATION_LON, service_radius_m=500))
            op_phone = next_phone("139")
            operator = await accounts.create_operator(conn, admin_id, accounts.OperatorCreate(
                name="张专员", phone=op_phone, password=PASSWORD, station_ids=[station.id]), pw_hash)
            n = next(_seq)
            emp_phone = next_phone("137")
            employer = await employers.register_employer(conn, cipher, employers.EmployerCreate(
                name=f"青浦物流{n}有限公司", kind="company", contact_name="李经理", phone=emp_phone,
                password=PASSWORD, commitment=True, credit_code=demo_credit_code(n),
                legal_rep_name="李法人", legal_rep_id_number=demo_resident_id(date(1969, 5, 1), 700 + n % 100)),
                pw_hash, today)
            people = []
            for i in range(n_workers):
                k = next(_seq)
                phone = next_phone("136")
                worker = await workers.register_worker(conn, cipher, workers.WorkerCreate(
                    name=f"王师傅{i + 1}", phone=phone, password=PASSWORD, id_type="resident_id",
                    id_number=demo_resident_id(date(1972, 3, 1) + timedelta(days=k), k),
                    skills=["moving", "loading"]), pw_hash, today)
                people.append(Account(worker.id, phone, name=worker.name))
    finally:
        await conn.close()
    return Seed(Account(admin_id, ADMIN_PHONE, name="管理员"), station.id, station.name,
                Account(operator.id, op_phone, name=operator.name),
                Account(employer.id, emp_phone, name=employer.name), people)


@pytest.fixture
def seed(live_server: LiveServer) -> Seed:
    """Empty tables, then an admin, a station, its operator, an employer and two workers."""
    return run(_seed(live_server, 2))


def sql(server: LiveServer, query: str, *args: Any) -> Any:
    """One query's rows on the test database (for set-up and checks the pages cannot do)."""

    async def go() -> Any:
        conn = await asyncpg.connect(server.database_url)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    return run(go())


def work_started(server: LiveServer, order_id: str) -> None:
    """The clock reaches the start of the order's work: its assignments' ``starts_at`` moves
    to a minute ago (work cannot be confirmed done before it starts)."""
    sql(server, "UPDATE assignments SET starts_at = now() - interval '1 minute' WHERE order_id = $1",
        UUID(order_id))


# ---------------------------------------------------------------- JSON API shortcuts


def api_token(server: LiveServer, phone: str, password: str = PASSWORD) -> str:
    """A bearer token for the JSON API (for steps another person does elsewhere)."""
    r = httpx.post(f"{server.url}/api/v1/auth/login", json={"phone": phone, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def post_order(server: LiveServer, seed: Seed, title: str = "仓库装卸", headcount: int = 2) -> dict[str, Any]:
    """The employer posts an order near the station, starting in an hour (JSON API)."""
    token = api_token(server, seed.employer.phone)
    start = now() + timedelta(minutes=30)
    r = httpx.post(f"{server.url}/api/v1/orders", headers={"Authorization": f"Bearer {token}"}, json={
        "title": title, "skill": "moving", "headcount": headcount,
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=4)).isoformat(),
        "lat": STATION_LAT + 0.01, "lon": STATION_LON + 0.01, "address": "青浦区赵巷镇沪青平公路3000号仓库",
        "pay_cents": 3000, "pay_unit": "hour"})
    assert r.status_code == 201, r.text
    return dict(r.json())


def dispatch(server: LiveServer, seed: Seed) -> dict[str, Any]:
    token = api_token(server, seed.operator.phone)
    r = httpx.post(f"{server.url}/api/v1/stations/{seed.station_id}/dispatch",
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    return dict(r.json())



# ---------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("GIGSTATION_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("no Chromium: install it with `apt-get install -y chromium` (see docs/README-pages.md)")
    return path


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    # Module scope: Playwright's sync API keeps an event loop marked running while it is
    # open, which would stop any async test collected after the browser tests.
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


@dataclass
class Watch:
    """What a browser context did that it should not: requests off the server, console errors."""

    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        assert not self.blocked, f"requests leaving the server: {self.blocked}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


class Browser:
    """Contexts and pages bound to the live server; every one watched."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.watch = Watch()
        self.contexts: list[Any] = []

    def context(self, width: int = 360, *, geolocation: tuple[float, float] | None = None,
                lang: str | None = None, **kwargs: Any) -> Any:
        height = 780 if width < 600 else 900
        opts: dict[str, Any] = {"viewport": {"width": width, "height": height}, "locale": "zh-CN",
                                "base_url": self.server.url, "timezone_id": "Asia/Shanghai"}
        if width < 600:
            opts.update(device_scale_factor=2, is_mobile=True, has_touch=True)
        if geolocation is not None:
            opts.update(geolocation={"latitude": geolocation[0], "longitude": geolocation[1]},
                        permissions=["geolocation"])
        opts.update(kwargs)
        ctx = self.browser.new_context(**opts)
        if lang == "en":
            ctx.add_cookies([{"name": "gs_lang", "value": "en", "url": self.server.url}])
        origin = self.server.url

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(origin + "/") or url == origin or url.startswith(("data:", "blob:")):
                r.continue_()
            else:
                self.watch.blocked.append(url)
                r.abort()

        ctx.route("**/*", route)
        self.contexts.append(ctx)
        return ctx

    def page(self, width: int = 360, **kwargs: Any) -> Any:
        ctx = self.context(width, **kwargs)
        return self.watch_page(ctx.new_page())

    def watch_page(self, page: Any) -> Any:
        def on_console(msg: Any) -> None:
            # A form sent back with its errors answers 422 on purpose; Chromium logs that too.
            if msg.type == "error" and "status of 422" not in msg.text:
                self.watch.console_errors.append(f"{page.url}: {msg.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.watch.console_errors.append(f"{page.url}: {exc}"))
        return page

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


@pytest.fixture
def web(live_server: LiveServer, browser: Any) -> Iterator[Browser]:
    """A fresh set of browser contexts; fails the test on blocked requests or console errors."""
    b = Browser(browser, live_server)
    try:
        yield b
        b.watch.check()
    finally:
        b.close()


@pytest.fixture
def new_page(web: Browser) -> Callable[..., Any]:
    """``new_page(width)``: a watched page in its own context."""
    return web.page


def sign_in(page: Any, phone: str, password: str = PASSWORD, next_path: str = "") -> None:
    """Sign in through the login form."""
    page.goto("/login" + (f"?next={next_path}" if next_path else ""))
    page.locator("#f-phone").fill(phone)
    page.locator("#f-password").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol: the pages' CSP (rightly) refuses an inline <script>.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Runtime.evaluate", {"expression": AXE.read_text(encoding="utf-8")})
        cdp.detach()
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result if v["impact"] in impacts
    ]


def assert_no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.evaluate("() => window.innerWidth")
    assert width <= viewport, f"{page.url}: content is {width}px wide in a {viewport}px window"


def shot(page: Any, name: str, full_page: bool = True) -> Path:
    """Save a screenshot under test-artifacts/screens/NAME.png."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
