"""Setting up a simulated district: stations, operators, employers and workers registered
through the service functions, and the day's arrivals and orders planned on the agenda."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta
from typing import TYPE_CHECKING

from gigstation.oversight import priority
from gigstation.people import accounts, employers, workers
from gigstation.people.workers import PriorityGroup
from gigstation.platform.auth import PasswordHasher, Principal
from gigstation.platform.db import transaction
from gigstation.platform.keys import newest_key_bytes
from gigstation.platform.pii import PiiCipher
from gigstation.sim.demo import demo_credit_code, demo_resident_id
from gigstation.sim.model import (
    AREAS,
    GIVEN_NAMES,
    HEADCOUNT_WEIGHTS,
    LAST_ARRIVAL_MIN,
    LAST_ORDER_MIN,
    LATEST_END_MIN,
    OPEN_MIN,
    PASSWORD,
    SKILL_PROFILES,
    SURNAMES,
    PlannedOrder,
    SimWorker,
    offset,
    station_places,
)
from gigstation.stations import registry as stations

if TYPE_CHECKING:
    from gigstation.sim.model import District

__all__ = ["PHONELESS_EVERY", "populate"]

PHONELESS_EVERY = 25


async def populate(sim: District) -> None:
    """Register the district (stations, operators, employers, workers) and plan the day."""
    hasher = PasswordHasher(sim.settings)
    password_hash = await hasher.hash(PASSWORD)
    cipher = PiiCipher(newest_key_bytes(sim.settings))
    rng = sim.rng
    async with transaction(sim.pool) as conn:
        if await conn.fetchval("SELECT count(*) FROM stations"):
            raise ValueError("simulate needs an empty database (use a fresh --data-dir)")
        admin = await accounts.ensure_admin(conn, "13800000000", password_hash)
        assert admin is not None
        places = station_places()[: max(1, min(sim.p.stations, len(station_places())))]
        for i, place in enumerate(places):
            s = await stations.create_station(conn, admin, stations.StationCreate(
                name=f"{place['zh']}零工驿站", address=f"上海市青浦区{place['zh']}社区服务中心",
                lat=place["lat"], lon=place["lon"], service_radius_m=1500))
            op = await accounts.create_operator(conn, admin, accounts.OperatorCreate(
                name=f"{place['zh']}驿站专员", phone=f"1390000{i:04d}", password=PASSWORD,
                station_ids=[s.id]), password_hash)
            sim.station_ids.append(s.id)
            sim.station_names.append(place["en"])
            sim.station_points.append((s.lat, s.lon))
            sim.operators.append(Principal(op.id, "operator"))
        # Busier stations first: the first takes the largest share of people and work.
        n_st = len(sim.station_ids)
        sim.station_weights = [1.0 / (1 + 0.35 * i) for i in range(n_st)]

        n_employers = max(6, sim.p.workers // 10)
        for i in range(n_employers):
            company = rng.random() < 0.7
            data = employers.EmployerCreate(
                name=(f"青浦{rng.choice(['物流', '会展', '餐饮', '物业', '建设', '农业', '商贸'])}"
                      f"服务有限公司{i + 1:03d}") if company else
                     f"{rng.choice(SURNAMES)}先生（家庭用工{i + 1}）",
                kind="company" if company else "individual",
                contact_name=rng.choice(SURNAMES) + rng.choice(["经理", "主管", "店长", "先生"]),
                phone=f"1370{i:07d}", password=PASSWORD, commitment=True,
                credit_code=demo_credit_code(i + 1) if company else None,
                id_number=None if company else demo_resident_id(
                    date(1975 + i % 20, 1 + i % 12, 1 + i % 28), 900 + i % 100, "310101"),
                legal_rep_name="法人代表" if company else None,
                legal_rep_id_number=demo_resident_id(
                    date(1965 + i % 20, 1 + i % 12, 1 + i % 28), 800 + i % 100, "310104") if company else None)
            e = await employers.register_employer(conn, cipher, data, password_hash, sim.day)
            if rng.random() < 0.7:
                await employers.verify_employer(conn, sim.operators[0].user_id, e.id)
            sim.employer_ids.append(e.id)

        profiles, weights = zip(*SKILL_PROFILES, strict=True)
        for i in range(sim.p.workers):
            age = 16 + rng.random() * 1.9 if rng.random() < 0.02 else rng.triangular(18, 63, 50)
            birth = sim.day - timedelta(days=int(age * 365.25) + rng.randint(1, 300))
            skills = list(rng.choices(profiles, weights)[0])
            st = rng.choices(range(n_st), sim.station_weights)[0]
            operator_id = sim.operators[st].user_id
            # One person in twenty-five has no phone: the desk registers them with ID only.
            phoneless = i % PHONELESS_EVERY == PHONELESS_EVERY - 3
            w = await workers.register_worker(conn, cipher, workers.WorkerCreate(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
                phone=None if phoneless else f"1360{i:07d}", password=None if phoneless else PASSWORD,
                id_type="resident_id",
                id_number=demo_resident_id(birth, i % 1000, AREAS[(i // 1000) % len(AREAS)]),
                skills=skills), password_hash, sim.day, registered_by=operator_id if phoneless else None)
            for claimed in w.skills:
                if claimed.status == "claimed" and rng.random() < 0.85:  # licence seen
                    await workers.verify_skill(conn, operator_id, w.id, claimed.code)
            if rng.random() < 0.12:
                groups: list[PriorityGroup] = rng.sample(
                    ["employment_difficulty", "zero_employment_family", "veteran", "disability"], 1)
                seen = sim.day - timedelta(days=30 + i % 200)  # papers seen (no draw: same figures)
                await priority.record_priority_groups(
                    conn, operator_id, w.id, [priority.PriorityEntry(
                        group=groups[0], evidence_type="认定证明", evidence_number=f"QP{i:06d}",
                        evidence_date=seen, expires_on=sim.day + timedelta(days=180))],
                    sim.settings.timezone, sim.day)
            arrive = OPEN_MIN + min(int(rng.triangular(0, LAST_ARRIVAL_MIN - OPEN_MIN, 45)),
                                    LAST_ARRIVAL_MIN - OPEN_MIN)
            until = min(arrive + rng.randint(8 * 60, 13 * 60), 21 * 60)
            leave_early = arrive + rng.randint(150, 360) if rng.random() < 0.2 else None
            worker = SimWorker(i, w.id, st, arrive, until, rng.choice([5000, 8000, 10_000, 12_000, 15_000]),
                             rng.random() < 0.7 and not phoneless, leave_early, phoneless=phoneless)
            sim.workers.append(worker)
            sim.by_worker_id[w.id] = worker
            sim.agenda.add(arrive, "arrive", worker)

    # The day's orders: somewhat fewer slots than workers, posted mostly in the morning.
    skill_weight: Counter[str] = Counter()
    for profile, wt in SKILL_PROFILES:
        for code in profile:
            skill_weight[code] += wt
    codes = sorted(skill_weight)
    n_orders = max(3, round(sim.p.workers * 0.24))
    for _ in range(n_orders):
        post = OPEN_MIN + int(rng.triangular(0, LAST_ORDER_MIN - OPEN_MIN, 20))
        start = post + rng.randint(30, 180)
        start = min(-(-start // 15) * 15, LATEST_END_MIN - 120)
        hours = rng.choice([2, 3, 4, 4, 4, 5, 6, 8, 8])
        end = min(start + 60 * hours, LATEST_END_MIN)
        skill = rng.choices(codes, [skill_weight[c] for c in codes])[0]
        st = rng.choices(range(len(sim.station_ids)), sim.station_weights)[0]
        lat, lon = offset(*sim.station_points[st], 7000 * math.sqrt(rng.random()),
                           rng.uniform(0, 2 * math.pi))
        hourly = rng.randrange(2500, 4600, 100)
        unit = "day" if rng.random() < 0.25 else "hour"
        pay = hourly * (end - start) // 60 if unit == "day" else hourly
        cancel = post + rng.randint(10, 60) if rng.random() < 0.03 else None
        plan = PlannedOrder(rng.randrange(len(sim.employer_ids)), skill,
                      rng.choices(range(1, 11), HEADCOUNT_WEIGHTS)[0], post, start, end,
                      lat, lon, pay, unit, cancel)
        sim.plans.append(plan)
        sim.agenda.add(post, "post", plan)
