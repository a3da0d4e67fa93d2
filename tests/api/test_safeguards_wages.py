"""Wage figures the office keeps: seeded minimums, supersede, guidance flags on orders and offers."""

from __future__ import annotations

from typing import Any

import asyncpg

from gigstation.oversight.wages import GuidanceEntry, below_low, seed_minimum_wages
from gigstation.platform import reference
from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import dispatch, young_id

LOADING_HOURLY = {"skill": "loading", "pay_unit": "hour", "low_fen": 3000, "median_fen": 3500,
                  "high_fen": 4500, "effective_from": "2024-01-01", "source": "test survey"}


async def test_shipped_minimums_are_the_starting_data(api: Api) -> None:
    admin = await api.admin()
    r = await api.client.get(f"{API}/wages/minimums", headers=bearer(admin))
    assert r.status_code == 200, r.text
    shipped = reference.minimum_wages()
    assert sorted((m["region"], m["effective_from"], m["hourly_fen"]) for m in r.json()) == sorted(
        (m.region, m.effective_from.isoformat(), m.hourly_fen) for m in shipped)
    assert all(m["created_by"] is None for m in r.json())


async def test_superseded_minimum_is_what_posting_checks(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    await api.station(admin)  # the order below must be within reach of a station
    _, employer = await api.employer()
    current = next(m for m in (await api.client.get(f"{API}/wages/minimums?region=Shanghai",
                                                    headers=bearer(admin))).json()
                   if m["effective_from"] == "2025-07-01")
    body = {"region": "Shanghai", "effective_from": "2025-07-01", "hourly_fen": 2700,
            "monthly_fen": 280000, "source": "corrected notice"}
    # Adding a second entry for the same date is refused: it must supersede.
    dup = await api.client.post(f"{API}/wages/minimums", headers=bearer(admin), json=body)
    assert dup.status_code == 409 and dup.json()["code"] == "minimum_wage_exists"
    sup = await api.client.post(f"{API}/wages/minimums/{current['id']}/supersede",
                                headers=bearer(admin), json=body)
    assert sup.status_code == 201, sup.text
    again = await api.client.post(f"{API}/wages/minimums/{current['id']}/supersede",
                                  headers=bearer(admin), json=body)
    assert again.status_code == 409 and again.json()["code"] == "superseded"
    refused = await api.client.post(f"{API}/orders", headers=bearer(employer),
                                    json=api.order_body(pay_cents=2600))
    assert refused.status_code == 422, refused.text
    assert "27.00" in refused.json()["detail"] and "27.00" in refused.json()["detail_en"]
    history = (await api.client.get(f"{API}/wages/minimums?region=Shanghai&include_superseded=true",
                                    headers=bearer(admin))).json()
    old = next(m for m in history if m["id"] == current["id"])
    assert old["superseded_by"] == sup.json()["id"] and old["superseded_at"]
    actions = {r["action"] for r in await db.fetch("SELECT action FROM audit_log")}
    assert {"minimum_wage.add", "minimum_wage.supersede"} <= actions
    # Only an administrator keeps the figures.
    r = await api.client.post(f"{API}/wages/minimums", headers=bearer(employer), json=body)
    assert r.status_code == 403


async def test_below_guidance_is_allowed_and_flagged_on_order_and_offer(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    _, employer = await api.employer()
    g = await api.client.post(f"{API}/wages/guidance/entries", headers=bearer(admin), json=LOADING_HOURLY)
    assert g.status_code == 201, g.text
    form = await api.client.get(f"{API}/wages/guidance?skill=loading", headers=bearer(employer))
    assert form.status_code == 200, form.text
    assert [e["low_fen"] for e in form.json()["guidance"]] == [3000]
    assert form.json()["minimum"]["hourly_fen"] == 2500
    low = await api.order(employer, pay_cents=2800, headcount=1)
    assert low["below_guidance"] is True
    assert (low["guidance_low_fen"], low["guidance_median_fen"], low["guidance_high_fen"]) == (3000, 3500, 4500)
    fair = await api.order(employer, pay_cents=3200, headcount=1)
    assert fair["below_guidance"] is False and fair["guidance_low_fen"] == 3000
    # The worker sees the flag, the figures, the verified label and the employer's record.
    _, worker = await api.worker(id_number=young_id())
    await api.checkin(worker, station["id"])
    await api.client.post(f"{API}/orders/{fair['id']}/cancel", headers=bearer(employer))
    await dispatch(api, operator, station["id"])
    (offer,) = (await api.client.get(f"{API}/offers", headers=bearer(worker))).json()
    assert offer["order_id"] == low["id"] and offer["below_guidance"] is True
    assert offer["guidance_low_fen"] == 3000 and offer["employer_verified"] is False
    assert offer["employer_record"] == {"jobs_done": 0, "no_shows": 0, "disputes": 0,
                                        "average_stars": None, "ratings_count": 0, "reliability": 88}


def test_below_low_compares_in_the_orders_unit_or_hourly() -> None:
    def entry(unit: str, low: int) -> GuidanceEntry:
        return GuidanceEntry(1, "Shanghai", "loading", unit, low, low, low, None, "", None, None)  # type: ignore[arg-type]

    assert below_low([entry("hour", 3000)], 2999, "hour", 4) == (entry("hour", 3000), True)
    assert below_low([entry("hour", 3000)], 3000, "hour", 4)[1] is False
    # Day guidance of 240.00 is 30.00 an hour over 8 hours; 110.00 for 4 hours is 27.50.
    assert below_low([entry("day", 24000)], 11000, "day", 4)[1] is True  # same unit: 110 < 240
    assert below_low([entry("day", 24000)], 2700, "hour", 4)[1] is True
    assert below_low([entry("day", 24000)], 3000, "hour", 4)[1] is False
    assert below_low([entry("hour", 3000)], 100, "piece", 4) == (None, False)


async def test_bad_input_is_answered_with_4xx(api: Api) -> None:
    admin = await api.admin()
    _, worker = await api.worker(id_number=young_id())
    h = bearer(admin)
    cases = [
        ("post", "/wages/guidance/entries", {**LOADING_HOURLY, "low_fen": 5000}, 400),
        ("post", "/wages/guidance/entries", {**LOADING_HOURLY, "skill": "juggling"}, 400),
        ("post", "/wages/guidance/entries/999999/supersede", LOADING_HOURLY, 404),
        ("post", "/wages/minimums/999999/supersede",
         {"region": "Shanghai", "effective_from": "2026-01-01", "hourly_fen": 1, "monthly_fen": 1}, 404),
        ("post", "/blacklist", {"employer_id": "00000000-0000-4000-8000-000000000000",
                                "reason": "r", "evidence": "e"}, 404),
        ("post", "/blacklist/999999/lift", {"reason": "r"}, 404),
    ]
    for method, path, body, status in cases:
        r = await api.client.request(method, f"{API}{path}", headers=h, json=body)
        expected = (400, 422) if status == 400 else (status,)
        assert r.status_code in expected, (path, r.text)
    employer, _ = await api.employer()
    past = await api.client.post(f"{API}/blacklist", headers=h, json={
        "employer_id": employer["id"], "reason": "r", "evidence": "e", "ends_on": "2020-01-01"})
    assert past.status_code == 422, past.text
    r = await api.client.get(f"{API}/wages/guidance?skill=juggling", headers=bearer(worker))
    assert r.status_code == 404


async def test_seeding_twice_or_after_changes_adds_nothing(db: asyncpg.Connection[Any]) -> None:
    assert await seed_minimum_wages(db) == len(reference.minimum_wages())
    assert await seed_minimum_wages(db) == 0
    assert await db.fetchval("SELECT count(*) FROM minimum_wages") == len(reference.minimum_wages())
