"""A demo district: Qingpu's town centres as stations, with operators, employers, workers, orders.

Seeding goes through the same service functions as the API, so the demo data obeys every
rule real data does (valid ID check digits, minimum wage, one open check-in...).
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from importlib import resources
from typing import Any

from stdnum.cn import ric, uscc

from gigstation.people import accounts, employers, workers
from gigstation.platform import clock
from gigstation.platform.auth import PasswordHasher, Principal
from gigstation.platform.config import Settings
from gigstation.platform.db import apply_migrations, connect_pool, connection, transaction
from gigstation.platform.keys import open_keyring
from gigstation.stations import checkins, screens
from gigstation.stations import registry as stations
from gigstation.work import orders

__all__ = ["DEMO_PASSWORD", "demo_resident_id", "pages_text", "seed_demo"]

DEMO_PASSWORD = "gig-demo-2026"  # noqa: S105 - printed for the demo on purpose
ADMIN_PHONE = "13800000000"
FIRST_OPERATOR_PHONE = "13900000000"
QINGPU_AREA = "310118"


def demo_resident_id(birth: date, seq: int, area: str = QINGPU_AREA) -> str:
    """A resident ID number with a correct check digit (fictional person)."""
    body = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a check position


def demo_credit_code(seq: int) -> str:
    """A Shanghai enterprise credit code with a correct check digit (fictional company)."""
    body = f"9131011{seq % 10}MA1G{seq:05d}"[:17]
    return body + uscc.calc_check_digit(body)


def _places() -> list[dict[str, Any]]:
    raw = resources.files("gigstation.data").joinpath("qingpu-stations.json").read_text("utf-8")
    places: list[dict[str, Any]] = json.loads(raw)["places"]
    return places


_SEEDED = "SELECT count(*) FROM stations"
_EMPLOYER_NAMES = [
    ("company", "青浦物流园仓储有限公司", "王经理"),
    ("company", "上海徐泾会展服务有限公司", "李主管"),
    ("company", "朱家角古镇餐饮管理有限公司", "陈店长"),
    ("individual", "张先生（家庭搬家）", "张先生"),
]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = ["建国", "秀英", "伟", "芳", "军", "敏", "强", "丽", "国庆", "桂兰", "志强", "海燕"]
_SKILL_SETS = [
    ["moving", "loading"], ["warehouse", "loading"], ["cleaning", "housekeeping"],
    ["construction_helper", "moving"], ["event_staff", "promotion"], ["greening", "farm_work"],
    ["dishwashing", "kitchen_helper"], ["delivery", "moving"],
]


async def seed_demo(settings: Settings, *, n_workers: int = 40, seed: int = 7) -> str:
    """Create the demo district once; return a printable list of the accounts."""
    rng = random.Random(seed)
    pool = await connect_pool(settings.database_url or "", min_size=1, max_size=2)
    hasher = PasswordHasher(settings)
    password_hash = await hasher.hash(DEMO_PASSWORD)
    today = clock.today(settings.timezone)
    now = clock.now()
    try:
        async with connection(pool) as conn:
            await apply_migrations(conn)
            cipher = (await open_keyring(conn, settings)).current
        async with transaction(pool) as conn:
            if await conn.fetchval(_SEEDED):
                return _accounts_text(already=True)
            admin_id = await accounts.ensure_admin(conn, ADMIN_PHONE, password_hash)
            assert admin_id is not None
            made = []
            for i, place in enumerate(_places()):
                made.append(await stations.create_station(conn, admin_id, stations.StationCreate(
                    name=f"{place['zh']}零工驿站", address=f"上海市青浦区{place['zh']}社区服务中心",
                    lat=place["lat"], lon=place["lon"], service_radius_m=1500)))
                await screens.set_opening_hours(conn, admin_id, made[-1].id, "每天 06:30–18:00")
                await accounts.create_operator(conn, admin_id, accounts.OperatorCreate(
                    name=f"{place['zh']}驿站专员", phone=f"1390000{i:04d}",
                    password=DEMO_PASSWORD, station_ids=[made[-1].id]), password_hash)
            employer_ids = []
            for i, (kind, name, contact) in enumerate(_EMPLOYER_NAMES):
                data = employers.EmployerCreate(
                    name=name, kind=kind, contact_name=contact, phone=f"1370000{i:04d}",  # type: ignore[arg-type]
                    password=DEMO_PASSWORD, commitment=True,
                    credit_code=demo_credit_code(i + 1) if kind == "company" else None,
                    id_number=demo_resident_id(date(1980, 5, 17), 31) if kind == "individual" else None,
                    legal_rep_name=f"{contact[0]}法人" if kind == "company" else None,
                    legal_rep_id_number=demo_resident_id(date(1968, 3, 1 + i), 60 + i)
                    if kind == "company" else None)
                employer = await employers.register_employer(conn, cipher, data, password_hash, today)
                employer_ids.append(employer.id)
            for i in range(n_workers):
                birth = date(rng.randint(1962, 2004), rng.randint(1, 12), rng.randint(1, 28))
                worker = await workers.register_worker(conn, cipher, workers.WorkerCreate(
                    name=rng.choice(_SURNAMES) + rng.choice(_GIVEN), phone=f"1360000{i:04d}",
                    password=DEMO_PASSWORD, id_type="resident_id",
                    id_number=demo_resident_id(birth, 100 + i),
                    skills=rng.choice(_SKILL_SETS)), password_hash, today)
                station = made[i % 3]  # the three central stations are busy
                operator_principal = await _operator_of(conn, station.id)
                await checkins.check_in(conn, operator_principal, checkins.CheckinCreate(
                    station_id=station.id, worker_id=worker.id,
                    available_until=now + timedelta(hours=10), max_distance_m=12_000), now)
            for i in range(8):
                station = made[i % 3]
                start = now + timedelta(hours=1 + i % 4)
                await orders.create_order(conn, employer_ids[i % 3], orders.OrderCreate(
                    title=["仓库装卸", "会展布场", "后厨洗碗", "搬家搬运"][i % 4],
                    skill=["loading", "event_staff", "dishwashing", "moving"][i % 4],
                    headcount=2 + i % 4, starts_at=start, ends_at=start + timedelta(hours=4),
                    lat=station.lat + rng.uniform(-0.02, 0.02), lon=station.lon + rng.uniform(-0.02, 0.02),
                    address=f"{station.name}附近", pay_cents=3000 + 500 * (i % 3), pay_unit="hour"),
                    now, settings.timezone, settings.region, reach_m=settings.dispatch_reach_m)
        return _accounts_text(already=False)
    finally:
        await pool.close()


async def _operator_of(conn: Any, station_id: Any) -> Principal:
    operator_id = await conn.fetchval(
        "SELECT operator_id FROM operator_stations WHERE station_id = $1 LIMIT 1", station_id)
    return Principal(operator_id, "operator")


_FIRST_STATION = """
SELECT s.id, s.name FROM operator_stations os JOIN stations s ON s.id = os.station_id
JOIN users u ON u.id = os.operator_id WHERE u.phone = $1
"""


async def pages_text(settings: Settings, base_url: str) -> str:
    """The page addresses and the demo account that opens each (a fresh wall-screen link)."""
    pool = await connect_pool(settings.database_url or "", min_size=1, max_size=1)
    try:
        async with transaction(pool) as conn:
            station = await conn.fetchrow(_FIRST_STATION, FIRST_OPERATOR_PHONE)
            if station is None:
                return "（没有演示数据 / no demo data）"
            admin_id = await conn.fetchval("SELECT id FROM users WHERE phone = $1", ADMIN_PHONE)
            screen = await screens.make_screen_link(conn, admin_id, station["id"], base_url)
    finally:
        await pool.close()
    b, sid = base_url.rstrip("/"), station["id"]
    return "\n".join([
        f"页面 / pages (密码 / password {DEMO_PASSWORD}):",
        f"  选择身份 / start                     {b}/",
        f"  工人（驿站二维码页）/ worker, QR page  {b}/s/{sid}      工人 13600000000",
        f"  工人 / worker                        {b}/worker        13600000000 (已签到 checked in)",
        f"  用工单位 / employer                  {b}/employer      13700000000",
        f"  驿站专员 / operator                  {b}/operator      {FIRST_OPERATOR_PHONE} ({station['name']})",
        f"  管理员 / admin                       {b}/admin         {ADMIN_PHONE}",
        f"  驿站海报 / printable poster          {b}/s/{sid}/poster",
        f"  签到大屏 / wall screen (无需登录)     {screen}",
        f"  API 文档 / API docs                  {b}/schema/swagger",
    ])


def _accounts_text(*, already: bool) -> str:
    head = "演示数据已存在 / demo data already present" if already else "演示数据已创建 / demo data created"
    return "\n".join([
        head,
        f"所有演示账号密码 / password for every demo account: {DEMO_PASSWORD}",
        f"  管理员 admin:                 {ADMIN_PHONE}",
        "  驿站专员 operators:           13900000000 ... 13900000010 (夏阳, 盈浦, 香花桥 ...)",
        "  用工单位 employers:           13700000000 ... 13700000003",
        "  劳动者 workers:               13600000000 ... 13600000039 (已在前三个驿站签到)",
    ])
