"""``gigstation simulate``: one whole day of a synthetic Qingpu district, played through the
real service layer and the real database, with automatic dispatch on.

What happens: stations at Qingpu's town centres, an operator each, employers (companies
and individuals) and a few hundred workers register through the service functions. From
06:00 the workers arrive (most between 06:30 and 09:00, the last by 11:00), checking in
with the phone or through the operator; employers post orders through the day (skills
from the taxonomy, headcount 1-10, pay at or above the Shanghai minimum, places up to 7 km
around the stations); every minute the automatic dispatch sweeps the stations; workers
accept (75 %), decline (15 %) or ignore (10 %, the offer expires) within a few minutes;
employers complete the work when it ends and record the pay, workers confirm it (a few
dispute), both sides rate; a few workers do not show up. A worker who finishes early may
come back for a second job. At the end the day's report (``reports.station_report`` per
station, the same figures over the district) and the timings are printed.

The clock. Service functions take ``now`` where a rule needs it, but PostgreSQL stamps
rows with its own ``now()`` and a few statements compare with it (offer expiry and
acceptance, the snapshot's "still available" filters, the no-show rule). The simulator
therefore:

1. plays a *future* day (tomorrow, in the service's zone) one simulated minute at a time,
   as fast as the database allows (``speed`` > 0 paces it to simulated seconds per real
   second, e.g. to watch the board). Every ``now()`` comparison against a time of that
   day is then true, which is what the rule means for a day that is still running; the
   simulator itself does what the clock would otherwise do, with the simulated time:
   expiring offers past their deadline (the same statement as ``offers.expire_due_offers``
   with ``now`` as a parameter), closing orders that have ended (status ``closed``, live
   offers withdrawn: the snapshot's ``ends_at > now()`` filter would keep offering them),
   checking out workers when their availability runs out (the service ``check_out``), and
   recording no-shows (the conditional update of ``no_shows.mark_no_show``, whose
   start-time guard reads the database clock);
2. re-stamps, after each minute, the rows that minute wrote with the database clock
   (``checked_in_at``, ``created_at``, ``answered_at``, ``paid_at`` ...) to the simulated
   minute. Real stamps are all earlier than the simulated day, so "stamped before 06:00
   of the simulated day" finds exactly them. The report, the priority formula (hours
   waited, jobs today) and the medians then see simulated times. The audit log and the
   event outbox keep the wall-clock time they were written at.

Automatic dispatch is the ``autodispatch`` sweep with the simulated clock: every
``auto_dispatch_interval_s`` each station with waiting workers without a live offer and
open orders is dispatched with ``dispatch.dispatch_station(now=<simulated>)``. A station
whose inputs have not changed since its last run is skipped: a run fills as many slots as
possible, so no waiting worker without an offer can fill a remaining slot until something
arrives, is declined, expires or is withdrawn; rerunning would only store empty runs.

The simulated day is disposable, so its sessions commit with ``synchronous_commit=off``
(no wait for the WAL flush; visibility, locks and constraints are unchanged). That makes
the day several times faster on a small disk and the dispatch timings printed a few
milliseconds lower than with durable commits; ``bench/dispatch_bench.py`` measures
dispatch with durable commits.

Randomness comes from ``seed``; each worker's answers come from their own stream, so a
run is reproducible up to what the database decides (random row ids, and through them
ties between equally good solutions): two runs of one seed differ by a handful of offers.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import math
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.oversight import reports
from gigstation.people import accounts, employers, workers
from gigstation.platform import audit, events, reference
from gigstation.platform.auth import PasswordHasher, Principal
from gigstation.platform.config import Settings
from gigstation.platform.db import apply_migrations, connect_pool, transaction
from gigstation.platform.errors import Conflict, DomainError
from gigstation.platform.pii import PiiCipher
from gigstation.sim.demo import demo_credit_code, demo_resident_id
from gigstation.stations import checkins
from gigstation.stations import registry as stations
from gigstation.work import assignments, dispatch, no_shows, orders, pay, ratings
from gigstation.work.offers import accept_offer, decline_offer, withdraw_offers

__all__ = ["SimParams", "SimResult", "format_report", "run_simulation"]

PASSWORD = "gig-sim-2026"  # noqa: S105 (the synthetic accounts' published password)
OPEN_MIN = 6 * 60
LAST_ARRIVAL_MIN = 11 * 60
LAST_ORDER_MIN = 16 * 60
LATEST_END_MIN = 22 * 60
DAY_END_MIN = 24 * 60 - 1

# Workers' skill profiles and how common each is among day labourers (weights).
SKILL_PROFILES: list[tuple[list[str], int]] = [
    (["moving", "loading"], 14), (["warehouse", "loading"], 12),
    (["cleaning", "housekeeping"], 12), (["construction_helper", "moving"], 10),
    (["dishwashing", "kitchen_helper"], 9), (["event_staff", "promotion"], 8),
    (["delivery", "moving"], 8), (["greening", "farm_work"], 7), (["waiter", "dishwashing"], 5),
    (["forklift", "warehouse", "loading"], 4), (["elderly_care", "housekeeping"], 4),
    (["painting", "carpentry"], 3), (["security"], 2), (["data_entry", "promotion"], 2),
]
HEADCOUNT_WEIGHTS = [22, 20, 15, 11, 9, 7, 5, 4, 3, 4]  # headcount 1..10
TITLES = {
    "moving": "搬家搬运", "loading": "仓库装卸", "warehouse": "电商仓库理货", "forklift": "叉车装卸",
    "delivery": "社区配送", "cleaning": "写字楼保洁", "housekeeping": "家庭保洁",
    "elderly_care": "陪护老人", "kitchen_helper": "后厨帮工", "dishwashing": "后厨洗碗",
    "waiter": "宴会服务员", "construction_helper": "工地小工", "painting": "墙面粉刷",
    "carpentry": "木工安装", "greening": "绿化养护", "farm_work": "农场采摘",
    "event_staff": "会展布场", "promotion": "超市促销", "data_entry": "资料录入", "security": "活动安保",
}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = ["建国", "秀英", "伟", "芳", "军", "敏", "强", "丽", "国庆", "桂兰", "志强", "海燕",
          "红梅", "建华", "玉兰", "春生", "小龙", "美华", "德明", "金凤"]
_AREAS = ["310118", "310117", "310112", "310115", "310120"]


class SimParams(msgspec.Struct, frozen=True, kw_only=True):
    """What to simulate."""

    workers: int = 400
    stations: int = 3
    seed: int = 1
    speed: float = 0.0
    """Simulated seconds per real second; 0 plays the day as fast as the database allows."""
    day: date | None = None
    """The simulated day; it must lie in the future (default: tomorrow)."""
    accept_p: float = 0.75
    decline_p: float = 0.15
    no_show_p: float = 0.03
    dispute_p: float = 0.03
    rating_p: float = 0.6


class Timings(msgspec.Struct, frozen=True):
    dispatch_runs: int
    offers_made: int
    dispatch_p50_ms: float
    dispatch_p95_ms: float
    dispatch_max_ms: float
    solve_p50_ms: float
    solve_p95_ms: float
    largest_run_workers: int
    largest_run_orders: int
    setup_s: float
    day_s: float
    total_s: float


class SimResult(msgspec.Struct, frozen=True):
    day: date
    params: SimParams
    station_names: list[str]
    stations: list[reports.StationReport]
    district: dict[str, Any]
    timings: Timings
    accept_conflicts: dict[str, int]
    ratings: int
    contests: int


@dataclass
class _Worker:
    idx: int
    id: UUID
    station: int
    arrive: int
    until: int
    max_distance_m: int
    self_checkin: bool
    leave_early: int | None
    checkin_id: UUID | None = None
    offers_seen: int = 0
    jobs: int = 0


@dataclass
class _Order:
    employer: int
    skill: str
    headcount: int
    post: int
    start: int
    end: int
    lat: float
    lon: float
    pay_cents: int
    pay_unit: str
    cancel_at: int | None
    order_id: UUID | None = None


@dataclass(order=True)
class _Action:
    minute: int
    seq: int
    kind: str = field(compare=False)
    args: tuple[Any, ...] = field(compare=False, default=())


class _Agenda:
    """Actions by simulated minute, in the order they were scheduled."""

    def __init__(self) -> None:
        self._heap: list[_Action] = []
        self._seq = 0

    def add(self, minute: int, kind: str, *args: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, _Action(minute, self._seq, kind, args))

    def due(self, minute: int) -> list[_Action]:
        out = []
        while self._heap and self._heap[0].minute <= minute:
            out.append(heapq.heappop(self._heap))
        return out


def _places() -> list[dict[str, Any]]:
    raw = resources.files("gigstation.data").joinpath("qingpu-stations.json").read_text("utf-8")
    places: list[dict[str, Any]] = json.loads(raw)["places"]
    return places


def _offset(lat: float, lon: float, metres: float, bearing: float) -> tuple[float, float]:
    dlat = metres * math.cos(bearing) / 111_320
    dlon = metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


# --- the clock's work, done with the simulated time --------------------------------------

_EXPIRE = """
UPDATE offers SET status = 'expired', close_reason = 'deadline'
WHERE status = 'offered' AND expires_at <= $1
RETURNING id, worker_id, order_id, station_id
"""
_CLOSE_ENDED = """
UPDATE orders SET status = 'closed' WHERE status = 'open' AND ends_at <= $1
RETURNING id, station_id
"""
_NO_SHOW = """
UPDATE assignments a SET status = 'no_show', no_show_at = $2
FROM orders o
WHERE a.id = $1 AND o.id = a.order_id AND a.status = 'active' AND o.starts_at <= $2
RETURNING a.id
"""
_DUE = """
SELECT s.id FROM stations s
WHERE s.id = ANY($1::uuid[])
  AND EXISTS (SELECT 1 FROM checkins c WHERE c.station_id = s.id AND c.status = 'waiting'
                AND c.available_until > $2
                AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.worker_id = c.worker_id
                                  AND f.status = 'offered'))
  AND EXISTS (SELECT 1 FROM orders o WHERE o.station_id = s.id AND o.status = 'open'
                AND o.ends_at > $2)
ORDER BY s.id
"""
# Rows stamped by the database clock in the last simulated minute get that minute.
_RESTAMP = [
    """UPDATE checkins SET
         checked_in_at = CASE WHEN checked_in_at < $2 THEN $1 ELSE checked_in_at END,
         left_at = CASE WHEN left_at < $2 THEN $1 ELSE left_at END
       WHERE checked_in_at < $2 OR left_at < $2""",
    """UPDATE orders SET
         created_at = CASE WHEN created_at < $2 THEN $1 ELSE created_at END,
         cancelled_at = CASE WHEN cancelled_at < $2 THEN $1 ELSE cancelled_at END
       WHERE created_at < $2 OR cancelled_at < $2""",
    """UPDATE offers SET
         created_at = CASE WHEN created_at < $2 THEN $1 ELSE created_at END,
         answered_at = CASE WHEN answered_at < $2 THEN $1 ELSE answered_at END
       WHERE created_at < $2 OR answered_at < $2""",
    "UPDATE dispatch_runs SET started_at = $1 WHERE started_at < $2",
    """UPDATE assignments SET
         created_at = CASE WHEN created_at < $2 THEN $1 ELSE created_at END,
         completed_at = CASE WHEN completed_at < $2 THEN $1 ELSE completed_at END,
         paid_at = CASE WHEN paid_at < $2 THEN $1 ELSE paid_at END,
         pay_confirmed_at = CASE WHEN pay_confirmed_at < $2 THEN $1 ELSE pay_confirmed_at END,
         disputed_at = CASE WHEN disputed_at < $2 THEN $1 ELSE disputed_at END,
         no_show_contested_at = CASE WHEN no_show_contested_at < $2 THEN $1
                                     ELSE no_show_contested_at END
       WHERE created_at < $2 OR completed_at < $2 OR paid_at < $2 OR pay_confirmed_at < $2
          OR disputed_at < $2 OR no_show_contested_at < $2""",
    "UPDATE ratings SET created_at = $1 WHERE created_at < $2",
]
_DISTRICT_MEDIANS = """
WITH c AS (
    SELECT c.worker_id, c.station_id, c.checked_in_at FROM checkins c
    WHERE c.checked_in_at >= $1 AND c.checked_in_at < $2
), first_offers AS (
    SELECT extract(epoch FROM (SELECT min(f.created_at) FROM offers f
                               WHERE f.worker_id = c.worker_id AND f.station_id = c.station_id
                                 AND f.created_at >= c.checked_in_at) - c.checked_in_at) / 60.0 AS m
    FROM c
), day_orders AS (
    SELECT id, headcount, created_at FROM orders WHERE created_at >= $1 AND created_at < $2
), ranked AS (
    SELECT a.order_id, a.created_at,
           row_number() OVER (PARTITION BY a.order_id ORDER BY a.created_at, a.id) AS n
    FROM assignments a JOIN day_orders o ON o.id = a.order_id
)
SELECT
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m) FROM first_offers WHERE m IS NOT NULL)
      AS median_minutes_checkin_to_offer,
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.created_at - o.created_at) / 60.0)
     FROM day_orders o JOIN ranked r ON r.order_id = o.id AND r.n = o.headcount)
      AS median_minutes_order_to_full,
  (SELECT count(DISTINCT worker_id) FROM c)::int AS workers_checked_in
"""


class _Simulation:
    def __init__(self, settings: Settings, params: SimParams, pool: asyncpg.Pool[Any]) -> None:
        self.settings = settings
        self.p = params
        self.pool = pool
        self.zone = ZoneInfo(settings.timezone)
        self.day = params.day or (datetime.now(self.zone).date() + timedelta(days=1))
        self.midnight = datetime.combine(self.day, datetime.min.time(), tzinfo=self.zone)
        self.opening = self.at(OPEN_MIN)
        if self.opening <= datetime.now(self.zone) + timedelta(minutes=5):
            raise ValueError("the simulated day must lie in the future (see the module docstring)")
        self.rng = random.Random(params.seed)
        self.agenda = _Agenda()
        self.station_ids: list[UUID] = []
        self.station_names: list[str] = []
        self.station_points: list[tuple[float, float]] = []
        self.station_weights: list[float] = []
        self.operators: list[Principal] = []
        self.employer_ids: list[UUID] = []
        self.workers: list[_Worker] = []
        self.by_worker_id: dict[UUID, _Worker] = {}
        self.plans: list[_Order] = []
        self.order_plans: dict[UUID, _Order] = {}
        self.dirty: set[UUID] = set()
        self.touched = False  # rows were written with the database clock since the last re-stamp
        self.ends: set[int] = set()  # minutes at which a posted order ends
        self.deadlines: set[int] = set()  # minutes at which an offer expires
        self.cancelled: set[UUID] = set()
        self.dispatch_ms: list[float] = []
        self.solve_ms: list[float] = []
        self.run_sizes: list[tuple[int, int]] = []
        self.offers_made = 0
        self.conflicts: Counter[str] = Counter()
        self.ratings = 0
        self.contests = 0

    def at(self, minute: int) -> datetime:
        return self.midnight + timedelta(minutes=minute)

    # --- setup --------------------------------------------------------------------------

    async def setup(self) -> None:
        hasher = PasswordHasher(self.settings)
        password_hash = await hasher.hash(PASSWORD)
        cipher = PiiCipher(self.settings.pii_key_bytes())
        rng = self.rng
        async with transaction(self.pool) as conn:
            if await conn.fetchval("SELECT count(*) FROM stations"):
                raise ValueError("simulate needs an empty database (use a fresh --data-dir)")
            admin = await accounts.ensure_admin(conn, "13800000000", password_hash)
            assert admin is not None
            places = _places()[: max(1, min(self.p.stations, len(_places())))]
            for i, place in enumerate(places):
                s = await stations.create_station(conn, admin, stations.StationCreate(
                    name=f"{place['zh']}零工驿站", address=f"上海市青浦区{place['zh']}社区服务中心",
                    lat=place["lat"], lon=place["lon"], service_radius_m=1500))
                op = await accounts.create_operator(conn, admin, accounts.OperatorCreate(
                    name=f"{place['zh']}驿站专员", phone=f"1390000{i:04d}", password=PASSWORD,
                    station_ids=[s.id]), password_hash)
                self.station_ids.append(s.id)
                self.station_names.append(place["en"])
                self.station_points.append((s.lat, s.lon))
                self.operators.append(Principal(op.id, "operator"))
            # Busier stations first: the first takes the largest share of people and work.
            n_st = len(self.station_ids)
            self.station_weights = [1.0 / (1 + 0.35 * i) for i in range(n_st)]

            n_employers = max(6, self.p.workers // 10)
            for i in range(n_employers):
                company = rng.random() < 0.7
                data = employers.EmployerCreate(
                    name=(f"青浦{rng.choice(['物流', '会展', '餐饮', '物业', '建设', '农业', '商贸'])}"
                          f"服务有限公司{i + 1:03d}") if company else
                         f"{rng.choice(_SURNAMES)}先生（家庭用工{i + 1}）",
                    kind="company" if company else "individual",
                    contact_name=rng.choice(_SURNAMES) + rng.choice(["经理", "主管", "店长", "先生"]),
                    phone=f"1370{i:07d}", password=PASSWORD, commitment=True,
                    credit_code=demo_credit_code(i + 1) if company else None,
                    id_number=None if company else demo_resident_id(
                        date(1975 + i % 20, 1 + i % 12, 1 + i % 28), 900 + i % 100, "310101"))
                e = await employers.register_employer(conn, cipher, data, password_hash, self.day)
                if rng.random() < 0.7:
                    await employers.verify_employer(conn, self.operators[0].user_id, e.id)
                self.employer_ids.append(e.id)

            profiles, weights = zip(*SKILL_PROFILES, strict=True)
            for i in range(self.p.workers):
                age = 16 + rng.random() * 1.9 if rng.random() < 0.02 else rng.triangular(18, 63, 50)
                birth = self.day - timedelta(days=int(age * 365.25) + rng.randint(1, 300))
                skills = list(rng.choices(profiles, weights)[0])
                st = rng.choices(range(n_st), self.station_weights)[0]
                w = await workers.register_worker(conn, cipher, workers.WorkerCreate(
                    name=rng.choice(_SURNAMES) + rng.choice(_GIVEN), phone=f"1360{i:07d}",
                    password=PASSWORD, id_type="resident_id",
                    id_number=demo_resident_id(birth, i % 1000, _AREAS[(i // 1000) % len(_AREAS)]),
                    skills=skills), password_hash, self.day)
                operator_id = self.operators[st].user_id
                for claimed in w.skills:
                    if claimed.status == "claimed" and rng.random() < 0.85:  # licence seen
                        await workers.verify_skill(conn, operator_id, w.id, claimed.code)
                if rng.random() < 0.12:
                    groups = rng.sample(["employment_difficulty", "zero_employment_family",
                                         "veteran", "disability"], 1)
                    await workers.verify_priority_groups(conn, operator_id, w.id, groups)
                arrive = OPEN_MIN + min(int(rng.triangular(0, LAST_ARRIVAL_MIN - OPEN_MIN, 45)),
                                        LAST_ARRIVAL_MIN - OPEN_MIN)
                until = min(arrive + rng.randint(8 * 60, 13 * 60), 21 * 60)
                leave_early = arrive + rng.randint(150, 360) if rng.random() < 0.2 else None
                worker = _Worker(i, w.id, st, arrive, until, rng.choice([5000, 8000, 10_000, 12_000, 15_000]),
                                 rng.random() < 0.7, leave_early)
                self.workers.append(worker)
                self.by_worker_id[w.id] = worker
                self.agenda.add(arrive, "arrive", worker)

        # The day's orders: somewhat fewer slots than workers, posted mostly in the morning.
        skill_weight: Counter[str] = Counter()
        for profile, wt in SKILL_PROFILES:
            for code in profile:
                skill_weight[code] += wt
        codes = sorted(skill_weight)
        n_orders = max(3, round(self.p.workers * 0.24))
        for _ in range(n_orders):
            post = OPEN_MIN + int(rng.triangular(0, LAST_ORDER_MIN - OPEN_MIN, 20))
            start = post + rng.randint(30, 180)
            start = min(-(-start // 15) * 15, LATEST_END_MIN - 120)
            hours = rng.choice([2, 3, 4, 4, 4, 5, 6, 8, 8])
            end = min(start + 60 * hours, LATEST_END_MIN)
            skill = rng.choices(codes, [skill_weight[c] for c in codes])[0]
            st = rng.choices(range(len(self.station_ids)), self.station_weights)[0]
            lat, lon = _offset(*self.station_points[st], 7000 * math.sqrt(rng.random()),
                               rng.uniform(0, 2 * math.pi))
            hourly = rng.randrange(2500, 4600, 100)
            unit = "day" if rng.random() < 0.25 else "hour"
            pay = hourly * (end - start) // 60 if unit == "day" else hourly
            cancel = post + rng.randint(10, 60) if rng.random() < 0.03 else None
            plan = _Order(rng.randrange(len(self.employer_ids)), skill,
                          rng.choices(range(1, 11), HEADCOUNT_WEIGHTS)[0], post, start, end,
                          lat, lon, pay, unit, cancel)
            self.plans.append(plan)
            self.agenda.add(post, "post", plan)

    # --- one simulated minute -----------------------------------------------------------

    async def minute(self, m: int) -> None:
        now = self.at(m)
        actions = self.agenda.due(m)
        clock_due = m in self.ends or m in self.deadlines
        if not (actions or clock_due or self.touched or self.dirty):
            return  # a quiet minute: nothing to do, nothing to re-stamp
        if m in self.ends:
            async with transaction(self.pool) as conn:
                # What the database clock would do for a day that is running.
                for r in await conn.fetch(_CLOSE_ENDED, now):
                    if await withdraw_offers(conn, "order_ended", order_id=r["id"]):
                        self.dirty.add(r["station_id"])
        for action in actions:
            self.touched = True
            try:
                async with transaction(self.pool) as conn:
                    await getattr(self, "_do_" + action.kind)(conn, m, *action.args)
            except DomainError as exc:
                self.conflicts[f"{action.kind}:{exc.code}"] += 1
        interval = max(1, round(self.settings.auto_dispatch_interval_s / 60))
        due: list[UUID] = []
        async with transaction(self.pool) as conn:
            await self._restamp(conn, now)
            if m in self.deadlines:
                expired = await conn.fetch(_EXPIRE, now)
                await events.emit_many(conn, [
                    (r["worker_id"], r["station_id"], "offer.expired",
                     {"offer_id": r["id"], "order_id": r["order_id"]}) for r in expired])
                self.dirty.update(r["station_id"] for r in expired)
            if self.dirty and (m - OPEN_MIN) % interval == 0:
                due = [r["id"] for r in await conn.fetch(_DUE, sorted(self.dirty), now)]
                self.dirty.clear()
        self.touched = False
        for station_id in due:
            await self._dispatch(station_id, m)
        if due:
            async with transaction(self.pool) as conn:
                await self._restamp(conn, now)
            self.touched = False

    async def _restamp(self, conn: asyncpg.Connection[Any], now: datetime) -> None:
        for sql in _RESTAMP:
            await conn.execute(sql, now, self.opening)

    async def _dispatch(self, station_id: UUID, m: int) -> None:
        started = time.perf_counter()
        try:
            run = await dispatch.dispatch_station(
                self.pool, self.settings, station_id, None, now=self.at(m),
                day_start=self.midnight, today=self.day)
        except DomainError as exc:
            self.conflicts[f"dispatch:{exc.code}"] += 1
            return
        self.dispatch_ms.append((time.perf_counter() - started) * 1000)
        self.solve_ms.append(run.stats.solve_ms)
        self.run_sizes.append((run.stats.workers, run.stats.orders))
        self.offers_made += len(run.offers)
        for offer in run.offers:
            deadline = offer.expires_at - self.midnight
            self.deadlines.add(math.ceil(deadline.total_seconds() / 60))
        ttl_min = max(1, self.settings.offer_ttl_s // 60)
        for offer in sorted(run.offers, key=lambda o: self.by_worker_id[o.worker_id].idx):
            worker = self.by_worker_id[offer.worker_id]
            worker.offers_seen += 1
            # Each worker's own stream: answers do not depend on the order of other events.
            r = random.Random(f"{self.p.seed}:{worker.idx}:{worker.offers_seen}")
            roll = r.random()
            if roll < self.p.accept_p:
                self.agenda.add(m + r.randint(1, max(1, ttl_min - 1)), "accept", worker, offer.id)
            elif roll < self.p.accept_p + self.p.decline_p:
                self.agenda.add(m + r.randint(1, max(1, ttl_min - 1)), "decline", worker, offer.id)
            # else: ignored; the sweep expires it at its deadline

    # --- people's actions ---------------------------------------------------------------

    async def _do_arrive(self, conn: asyncpg.Connection[Any], m: int, w: _Worker) -> None:
        if w.until - m < 60:
            return
        st_lat, st_lon = self.station_points[w.station]
        r = random.Random(f"{self.p.seed}:arrive:{w.idx}:{w.jobs}")
        if w.self_checkin:
            lat, lon = _offset(st_lat, st_lon, r.uniform(0, 900), r.uniform(0, 2 * math.pi))
            who = Principal(w.id, "worker")
            data = checkins.CheckinCreate(station_id=self.station_ids[w.station], lat=lat, lon=lon,
                                          available_until=self.at(w.until),
                                          max_distance_m=w.max_distance_m)
        else:  # no smartphone: the operator checks them in
            who = self.operators[w.station]
            data = checkins.CheckinCreate(station_id=self.station_ids[w.station], worker_id=w.id,
                                          available_until=self.at(w.until),
                                          max_distance_m=w.max_distance_m)
        c = await checkins.check_in(conn, who, data, self.at(m))
        w.checkin_id = c.id
        self.dirty.add(c.station_id)
        leave = min(w.until, w.leave_early or w.until) if w.jobs == 0 else w.until
        self.agenda.add(max(leave, m + 1), "leave", w, c.id)

    async def _do_leave(self, conn: asyncpg.Connection[Any], m: int, w: _Worker, checkin_id: UUID) -> None:
        await checkins.check_out(conn, Principal(w.id, "worker"), checkin_id)

    async def _do_post(self, conn: asyncpg.Connection[Any], m: int, plan: _Order) -> None:
        skill = reference.skill(plan.skill)
        assert skill is not None
        o = await orders.create_order(conn, self.employer_ids[plan.employer], orders.OrderCreate(
            title=TITLES.get(plan.skill, skill.zh), skill=plan.skill, headcount=plan.headcount,
            starts_at=self.at(plan.start), ends_at=self.at(plan.end), lat=plan.lat, lon=plan.lon,
            address=f"青浦区{skill.zh}用工点", pay_cents=plan.pay_cents, pay_unit=plan.pay_unit),  # type: ignore[arg-type]
            self.at(m), self.settings.timezone, self.settings.region)
        self.order_plans[o.id] = plan
        plan.order_id = o.id
        self.ends.add(plan.end)
        if o.station_id is not None:
            self.dirty.add(o.station_id)
        if plan.cancel_at is not None:
            self.agenda.add(plan.cancel_at, "cancel", plan.employer, o.id)

    async def _do_cancel(self, conn: asyncpg.Connection[Any], m: int, employer: int, order_id: UUID) -> None:
        o = await orders.cancel_order(conn, Principal(self.employer_ids[employer], "employer"), order_id)
        self.cancelled.add(order_id)  # its assignments were cancelled with it
        if o.station_id is not None:
            self.dirty.add(o.station_id)

    async def _do_decline(self, conn: asyncpg.Connection[Any], m: int, w: _Worker, offer_id: UUID) -> None:
        offer = await decline_offer(conn, w.id, offer_id)
        self.dirty.add(offer.station_id)

    async def _do_accept(self, conn: asyncpg.Connection[Any], m: int, w: _Worker, offer_id: UUID) -> None:
        try:
            a = await accept_offer(conn, w.id, offer_id)
        except Conflict:
            self.dirty.add(self.station_ids[w.station])
            raise
        w.jobs += 1
        self.dirty.add(self.station_ids[w.station])  # the order-full withdrawals free workers
        plan = self.order_plans[a.order_id]
        r = random.Random(f"{self.p.seed}:job:{w.idx}:{w.jobs}")
        start = plan.start
        if r.random() < self.p.no_show_p:
            self.agenda.add(max(m, start) + 30, "no_show", w, plan, a.id, r.random() < 0.35)
            return
        self.agenda.add(max(m, plan.end) + r.randint(0, 15), "complete", w, plan, a.id, r.random())
        # Back to the station for a second job if the day allows it.
        if w.until - plan.end >= 150 and r.random() < 0.5:
            self.agenda.add(plan.end + r.randint(20, 50), "arrive", w)

    async def _do_no_show(self, conn: asyncpg.Connection[Any], m: int, w: _Worker, plan: _Order,
                          assignment_id: UUID, contest: bool) -> None:
        if plan.order_id in self.cancelled:
            return
        # no_shows.mark_no_show with the simulated clock (its guard reads the database's).
        employer = self.employer_ids[plan.employer]
        await assignments.get_assignment(conn, Principal(employer, "employer"), assignment_id)
        if await conn.fetchval(_NO_SHOW, assignment_id, self.at(m)) is None:
            raise Conflict("无法记录未到岗", "cannot mark a no-show", code="no_show_refused")
        await audit.record(conn, employer, "assignment.no_show", "assignment", assignment_id)
        if contest:
            self.agenda.add(m + 20, "contest", w, assignment_id)

    async def _do_contest(self, conn: asyncpg.Connection[Any], m: int, w: _Worker, assignment_id: UUID) -> None:
        await no_shows.contest_no_show(conn, Principal(w.id, "worker"), assignment_id,
                                          assignments.ReasonBody("我按时到了，现场负责人可以作证"))
        self.contests += 1

    async def _do_complete(self, conn: asyncpg.Connection[Any], m: int, w: _Worker, plan: _Order,
                           assignment_id: UUID, roll: float) -> None:
        if plan.order_id in self.cancelled:
            return  # the employer cancelled the order: there is no work to confirm
        employer = Principal(self.employer_ids[plan.employer], "employer")
        hours = (plan.end - plan.start) / 60
        await assignments.complete(conn, employer, assignment_id, assignments.CompleteBody(hours))
        amount = plan.pay_cents if plan.pay_unit == "day" else round(plan.pay_cents * hours)
        await pay.record_pay(conn, employer, assignment_id, assignments.PaidBody(amount))
        r = random.Random(f"{self.p.seed}:pay:{w.idx}:{roll}")
        later = m + r.randint(10, 90)
        if roll < self.p.dispute_p:
            self.agenda.add(later, "dispute", w, assignment_id)
        else:
            self.agenda.add(later, "confirm", w, assignment_id)
        if r.random() < self.p.rating_p:
            self.agenda.add(later, "rate", Principal(w.id, "worker"), assignment_id,
                            r.choices([5, 4, 3, 2], [55, 30, 11, 4])[0])
        if r.random() < self.p.rating_p:
            self.agenda.add(m + r.randint(1, 30), "rate", employer, assignment_id,
                            r.choices([5, 4, 3, 2], [50, 35, 11, 4])[0])

    async def _do_confirm(self, conn: asyncpg.Connection[Any], m: int, w: _Worker, assignment_id: UUID) -> None:
        await pay.confirm_pay(conn, Principal(w.id, "worker"), assignment_id)

    async def _do_dispute(self, conn: asyncpg.Connection[Any], m: int, w: _Worker, assignment_id: UUID) -> None:
        await pay.dispute(conn, Principal(w.id, "worker"), assignment_id,
                                  assignments.ReasonBody("实际到账金额少于约定工资"))

    async def _do_rate(self, conn: asyncpg.Connection[Any], m: int, who: Principal, assignment_id: UUID,
                       stars: int) -> None:
        await ratings.rate(conn, who, assignment_id, ratings.RatingCreate(stars=stars))
        self.ratings += 1

    # --- the day ------------------------------------------------------------------------

    async def play(self) -> None:
        real_start = time.perf_counter()
        for m in range(OPEN_MIN, DAY_END_MIN + 1):
            await self.minute(m)
            if self.p.speed > 0:
                lag = (m - OPEN_MIN + 1) * 60 / self.p.speed - (time.perf_counter() - real_start)
                if lag > 0:
                    await asyncio.sleep(lag)

    async def report(self) -> tuple[list[reports.StationReport], dict[str, Any]]:
        async with transaction(self.pool) as conn:
            per = [await reports.station_report(conn, sid, self.day, self.settings.timezone)
                   for sid in self.station_ids]
            start, end = reports.day_bounds(self.day, self.settings.timezone)
            medians = dict(await conn.fetchrow(_DISTRICT_MEDIANS, start, end))  # type: ignore[arg-type]
        total: dict[str, Any] = {}
        for key in ("checkins", "orders_posted", "slots_posted", "slots_filled", "offers_made",
                    "offers_accepted", "offers_declined", "offers_expired", "offers_withdrawn",
                    "offers_live", "completed", "no_shows", "wages_paid_cents",
                    "filled_by_priority_workers", "disputes_opened"):
            total[key] = sum(getattr(r, key) for r in per)
        total["workers_checked_in"] = medians["workers_checked_in"]
        total["fill_rate"] = round(total["slots_filled"] / total["slots_posted"], 4) if total["slots_posted"] else 0.0
        total["priority_share"] = (round(total["filled_by_priority_workers"] / total["slots_filled"], 4)
                                   if total["slots_filled"] else 0.0)
        dist = sum((r.average_offer_distance_m or 0) * r.offers_made for r in per)
        total["average_offer_distance_m"] = round(dist / total["offers_made"], 2) if total["offers_made"] else None
        for key in ("median_minutes_checkin_to_offer", "median_minutes_order_to_full"):
            total[key] = None if medians[key] is None else round(float(medians[key]), 2)
        return per, total


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 1)


def _without_flush_wait(url: str) -> str:
    # The simulated day is disposable: commits need not wait for the WAL flush. Visibility,
    # locks and constraints are unchanged; only a crash could lose the last commits.
    # (asyncpg passes unknown URL parameters to the server as session settings.)
    return url + ("&" if "?" in url else "?") + "synchronous_commit=off"


async def run_simulation(settings: Settings, params: SimParams) -> SimResult:
    """Play the day on the database in ``settings`` (which must hold no stations yet)."""
    t0 = time.perf_counter()
    pool = await connect_pool(_without_flush_wait(settings.database_url or ""), min_size=2, max_size=4)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn)  # type: ignore[arg-type]
        sim = _Simulation(settings, params, pool)
        await sim.setup()
        t1 = time.perf_counter()
        await sim.play()
        t2 = time.perf_counter()
        per, total = await sim.report()
    finally:
        await pool.close()
    t3 = time.perf_counter()
    largest = max(sim.run_sizes, default=(0, 0))
    timings = Timings(
        dispatch_runs=len(sim.dispatch_ms), offers_made=sim.offers_made,
        dispatch_p50_ms=_pct(sim.dispatch_ms, 50), dispatch_p95_ms=_pct(sim.dispatch_ms, 95),
        dispatch_max_ms=round(max(sim.dispatch_ms, default=0.0), 1),
        solve_p50_ms=_pct(sim.solve_ms, 50), solve_p95_ms=_pct(sim.solve_ms, 95),
        largest_run_workers=largest[0], largest_run_orders=largest[1],
        setup_s=round(t1 - t0, 2), day_s=round(t2 - t1, 2), total_s=round(t3 - t0, 2))
    return SimResult(sim.day, params, sim.station_names, per, total, timings,
                     dict(sorted(sim.conflicts.items())), sim.ratings, sim.contests)


_ROWS: list[tuple[str, str]] = [
    ("checkins", "check-ins 签到"),
    ("workers_checked_in", "workers 人数"),
    ("orders_posted", "orders posted 订单"),
    ("slots_posted", "slots posted 岗位"),
    ("slots_filled", "slots filled 已招满"),
    ("fill_rate", "fill rate 满足率"),
    ("median_minutes_checkin_to_offer", "median wait to offer, min 等待"),
    ("median_minutes_order_to_full", "median order to full, min 招满"),
    ("offers_made", "offers made 邀约"),
    ("offers_accepted", "  accepted 接受"),
    ("offers_declined", "  declined 拒绝"),
    ("offers_expired", "  expired 过期"),
    ("offers_withdrawn", "  withdrawn 撤回"),
    ("average_offer_distance_m", "avg offer distance, m 距离"),
    ("completed", "completed 完工"),
    ("no_shows", "no-shows 未到岗"),
    ("wages_paid_cents", "wages paid, CNY 工资"),
    ("disputes_opened", "wage disputes 欠薪投诉"),
    ("priority_share", "priority share 优先群体占比"),
]


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key in ("fill_rate", "priority_share"):
        return f"{value * 100:.1f}%"
    if key == "wages_paid_cents":
        return f"{value / 100:,.0f}"
    if isinstance(value, float):
        return f"{value:.1f}" if key.startswith("median") else f"{value:,.0f}"
    return f"{value:,}"


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def format_report(result: SimResult) -> str:
    """The day's report and timings as a text table."""
    p, t = result.params, result.timings
    heads = [*result.station_names, "District"]
    columns = [msgspec.to_builtins(r) for r in result.stations] + [result.district]
    label_w = max(_width(label) for _, label in _ROWS) + 2
    col_w = max(12, *(len(h) + 2 for h in heads))
    lines = [
        f"gigstation simulate: Qingpu district 青浦区, simulated day {result.day}, seed {p.seed}, "
        f"{p.workers} workers, {len(result.station_names)} stations",
        "",
        " " * label_w + "".join(h.rjust(col_w) for h in heads),
    ]
    for key, label in _ROWS:
        cells = "".join(_cell(key, c.get(key)).rjust(col_w) for c in columns)
        lines.append(label + " " * (label_w - _width(label)) + cells)
    conflicts = ", ".join(f"{k} {v}" for k, v in result.accept_conflicts.items()) or "none"
    lines += [
        "",
        f"ratings given {result.ratings}, no-shows contested {result.contests}; "
        f"refused actions: {conflicts}",
        f"dispatch runs {t.dispatch_runs} (offers {t.offers_made}, largest run {t.largest_run_workers} "
        f"workers x {t.largest_run_orders} orders); dispatch p50 {t.dispatch_p50_ms} ms, "
        f"p95 {t.dispatch_p95_ms} ms, max {t.dispatch_max_ms} ms; solver p50 {t.solve_p50_ms} ms, "
        f"p95 {t.solve_p95_ms} ms",
        f"wall time: setup {t.setup_s} s, day {t.day_s} s, total {t.total_s} s "
        f"(embedded PostgreSQL start not included)",
    ]
    return "\n".join(lines)
