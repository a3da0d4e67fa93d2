"""Workers aged 16-17 (issue 15, finding 6): no night work, no prohibited job type, in
dispatch, on accept and at the desk; the employer is told on the crew and the agreement."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from gigstation.platform.clock import now
from gigstation.sim.demo import demo_resident_id
from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import dispatch
from tests.dates import years_before

TZ = ZoneInfo("Asia/Shanghai")


def next_window(starts: tuple[int, ...], hours: int) -> tuple[datetime, datetime]:
    """The first local window starting at one of ``starts`` (hours) at least 20 minutes
    from now: well inside a 24-hour check-in whatever the time of day."""
    soon = now().astimezone(TZ) + timedelta(minutes=20)
    day = soon.date()
    while True:
        for h in sorted(starts):
            start = datetime.combine(day, time(h), tzinfo=TZ)
            if start >= soon:
                return start, start + timedelta(hours=hours)
        day += timedelta(days=1)


def seventeen_year_old_id(seq: int) -> str:
    today = now().astimezone(TZ).date()
    return demo_resident_id(years_before(today, 17) - timedelta(days=40), seq)


def window(start: datetime, end: datetime) -> dict[str, str]:
    return {"starts_at": start.isoformat(), "ends_at": end.isoformat()}


async def test_a_17_year_old_gets_no_night_work_and_no_prohibited_job(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    _, employer = await api.employer()
    minor, worker = await api.worker(id_number=seventeen_year_old_id(417),
                                     skills=["moving", "painting", "cleaning", "loading"])
    assert minor["minor"] is True
    await api.checkin(worker, station["id"], available_until=(now() + timedelta(hours=23, minutes=50)).isoformat())
    night = next_window((5, 21), 2)  # 21:00-23:00 or 05:00-07:00: partly in 22:00-06:00
    day = next_window((8, 14), 4)  # 08:00-12:00 or 14:00-18:00: daylight
    refused = [("cleaning", night), ("moving", day), ("painting", day), ("loading", day)]
    for skill, (start, end) in refused:
        order = await api.order(employer, skill=skill, title=f"{skill} 测试", headcount=1,
                                pay_cents=3000, **window(start, end))
        run = await dispatch(api, operator, station["id"])
        assert run["offers"] == [], (skill, start)
        await api.client.post(f"{API}/orders/{order['id']}/cancel", headers=bearer(employer))
    # The same person is offered daytime cleaning.
    ok = await api.order(employer, skill="cleaning", title="白天保洁", headcount=1, pay_cents=3000,
                         **window(*day))
    run = await dispatch(api, operator, station["id"])
    assert [o["order_id"] for o in run["offers"]] == [ok["id"]]
    r = await api.client.post(f"{API}/offers/{run['offers'][0]['id']}/accept", headers=bearer(worker))
    assert r.status_code == 200, r.text
    assignment = r.json()
    # The employer is told, on the crew and on the agreement.
    crew = (await api.client.get(f"{API}/orders/{ok['id']}/crew", headers=bearer(employer))).json()
    assert [c["minor"] for c in crew] == [True]
    agreement = (await api.client.get(f"{API}/assignments/{assignment['id']}/agreement",
                                      headers=bearer(employer))).json()
    assert agreement["worker_minor"] is True
    assert any("未成年工" in rule for rule in agreement["rules"])


async def _offer(db: asyncpg.Connection[Any], station_id: str, worker_id: str, order_id: str) -> str:
    """A live offer made before the rule held (or by an older server): accept must still refuse."""
    run = await db.fetchval("INSERT INTO dispatch_runs (station_id, trigger, stats, unfilled) "
                            "VALUES ($1, 'auto', '{}', '[]') RETURNING id", station_id)
    return str(await db.fetchval(
        "INSERT INTO offers (run_id, station_id, worker_id, order_id, distance_m, priority, expires_at) "
        "VALUES ($1, $2, $3, $4, 100, 0, now() + interval '5 minutes') RETURNING id",
        run, station_id, worker_id, order_id))


@pytest.mark.parametrize("skill,hours", [("cleaning", (5, 21)), ("moving", (8, 14))])
async def test_accept_refuses_a_minor_whoever_presses_the_button(
    api: Api, db: asyncpg.Connection[Any], skill: str, hours: tuple[int, ...]
) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    _, employer = await api.employer()
    minor, worker = await api.worker(id_number=seventeen_year_old_id(418), skills=[skill])
    start, end = next_window(hours, 2 if skill == "cleaning" else 4)
    order = await api.order(employer, skill=skill, headcount=2, **window(start, end))
    by_worker = await _offer(db, station["id"], minor["id"], order["id"])
    r = await api.client.post(f"{API}/offers/{by_worker}/accept", headers=bearer(worker))
    assert r.status_code == 409 and r.json()["code"] == "minor_protected", r.text
    assert "未成年工" in r.json()["detail"]
    await db.execute("UPDATE offers SET status = 'withdrawn' WHERE id = $1", by_worker)
    at_desk = await _offer(db, station["id"], minor["id"], order["id"])
    r = await api.client.post(f"{API}/offers/{at_desk}/accept-for-worker", headers=bearer(operator))
    assert r.status_code == 409 and r.json()["code"] == "minor_protected", r.text
    assert await db.fetchval("SELECT count(*) FROM assignments") == 0


def test_the_prohibited_list_names_its_source_and_covers_the_heavy_and_hazardous_types() -> None:
    from gigstation.work import minors

    rules = minors.rules()
    assert {"moving", "loading", "painting", "construction_helper", "welding", "electrician",
            "forklift", "security"} <= rules.prohibited
    assert all(p.source and p.why for p in rules.prohibited_skills)
    assert "58" in rules.source and "64" in rules.source and "GB 3869" in rules.source
    assert "未成年工特殊保护规定" in rules.source
    assert (rules.night.start, rules.night.until) == ("22:00", "06:00")


def test_night_overlap_at_the_edges() -> None:
    from gigstation.work import minors

    d = date(2026, 11, 23)

    def at(day: date, h: int, m: int = 0) -> datetime:
        return datetime.combine(day, time(h, m), tzinfo=TZ)

    nxt = d + timedelta(days=1)
    assert not minors.overlaps_night(at(d, 18), at(d, 22), "Asia/Shanghai")  # ends at 22:00
    assert minors.overlaps_night(at(d, 18), at(d, 22, 1), "Asia/Shanghai")
    assert not minors.overlaps_night(at(d, 6), at(d, 10), "Asia/Shanghai")  # starts at 06:00
    assert minors.overlaps_night(at(d, 5, 59), at(d, 10), "Asia/Shanghai")
    assert minors.overlaps_night(at(d, 23), at(nxt, 3), "Asia/Shanghai")
    # 14:00 UTC is 22:00 in Shanghai.
    utc = ZoneInfo("UTC")
    assert minors.overlaps_night(datetime(2026, 11, 23, 13, tzinfo=utc),
                                 datetime(2026, 11, 23, 15, tzinfo=utc), "Asia/Shanghai")
