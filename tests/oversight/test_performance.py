"""Station performance and the district report against a hand-computed two-station day,
and the CSV and .xlsx exports holding the same figures."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import asyncpg
import openpyxl
import pytest

from gigstation.oversight import performance
from gigstation.work.pay_clock import due_at, is_overdue, overdue_sql
from tests.api.conftest import API, Api, bearer
from tests.oversight.day import DAY, ZONE, at, build_day, plus


def _voices(answers: int, satisfied: float) -> dict[str, Any]:
    """The other voices (oversight/satisfaction.py): no employer ratings or surveys that day;
    of the workers' ratings, those of 4 or 5 stars."""
    return {"employer_ratings": 0, "employer_satisfaction": None, "survey_answers": 0,
            "survey_satisfaction": None, "satisfaction_answers": answers, "satisfied_share": satisfied}


# The one wage complaint (station A's) is open and within its answer stage: nothing closed, nothing
# overdue (tests/pages_http/test_wage_case.py holds a closed one, late).
_CASES = {"complaints_closed": 0, "complaints_closed_on_time": 0, "closed_on_time_share": None,
          "complaints_open_overdue": 0}

# Worked by hand from tests/oversight/day.py. Station A: places 3 of 3 filled at 32, 40
# and 50 minutes after posting (median 40); only w1 counts as priority (w3's evidence
# expired), waiting 32 minutes against 30 and 35 for the others (median 32.5); pay 2 x
# 12,000; w2's complaint; ratings 5 and 3. Station B: 1 of 2 places, filled 30 minutes
# after posting by the 51-year-old w4, who waited 30 minutes; pay 15,000; rating 4.
A = {"checkins": 3, "people_served": 3, "orders": 2, "places_posted": 3, "places_filled": 3,
     "fill_rate": 1.0, "median_minutes_to_match": 40.0, "filled_by_priority": 1, "priority_share": 0.3333,
     "median_wait_priority": 32.0, "median_wait_others": 32.5, "wages_paid_cents": 24000,
     "overdue_cases": 0, "complaints": 1, "ratings": 2, "satisfaction": 4.0, **_voices(2, 0.5), **_CASES}
B = {"checkins": 2, "people_served": 2, "orders": 1, "places_posted": 2, "places_filled": 1,
     "fill_rate": 0.5, "median_minutes_to_match": 30.0, "filled_by_priority": 1, "priority_share": 1.0,
     "median_wait_priority": 30.0, "median_wait_others": None, "wages_paid_cents": 15000,
     "overdue_cases": 0, "complaints": 0, "ratings": 1, "satisfaction": 4.0, **_voices(1, 1.0), **_CASES}
# The district is computed over all its places, not averaged over stations: w2 checked in
# at both stations (5 check-ins, 4 people); matching took 30, 32, 40, 50 minutes (36).
DISTRICT = {"checkins": 5, "people_served": 4, "orders": 3, "places_posted": 5, "places_filled": 4,
            "fill_rate": 0.8, "median_minutes_to_match": 36.0, "filled_by_priority": 2, "priority_share": 0.5,
            "median_wait_priority": 31.0, "median_wait_others": 32.5, "wages_paid_cents": 39000,
            "overdue_cases": 0, "complaints": 1, "ratings": 3, "satisfaction": 4.0, **_voices(3, 0.6667), **_CASES}


def _figures(line: Any) -> dict[str, Any]:
    data = line if isinstance(line, dict) else {f: getattr(line, f) for f, _ in performance.COLUMNS}
    # no_work_reasons (a dict per reason) is held by tests/api/test_office_satisfaction.py.
    return {k: v for k, v in data.items() if k not in ("station_id", "station_name", "no_work_reasons")}


async def test_district_day_equals_the_hand_count(api: Api, db: asyncpg.Connection[Any]) -> None:
    day = await build_day(api, db)
    report = await performance.district_report(db, DAY, DAY, ZONE, 15, at(23, 0, plus(30)))
    by_id = {str(s.station_id): s for s in report.stations}
    assert _figures(by_id[day.a["id"]]) == A
    assert _figures(by_id[day.b["id"]]) == B
    assert _figures(report.district) == DISTRICT
    # Another day is empty.
    empty = await performance.district_report(db, plus(1), plus(1), ZONE, 15, at(23, 0, plus(30)))
    assert (empty.district.checkins, empty.district.fill_rate, empty.district.satisfaction) == (0, 0.0, None)

    # Over three weeks, seen from day 20, pay is overdue for w2 (completed, never confirmed)
    # and w3 (the employer never marked the work done); w1 and w4 confirmed.
    later = await performance.district_report(db, DAY, plus(20), ZONE, 15, at(12, 0, plus(20)))
    assert later.district.overdue_cases == 2
    assert {str(s.station_id): s.overdue_cases for s in later.stations} == {day.a["id"]: 2, day.b["id"]: 0}
    # Seen on day 15 at noon, nothing is past the 15 days yet (due at 14:00 on day 15).
    early = await performance.district_report(db, DAY, plus(20), ZONE, 15, at(12, 0, plus(15)))
    assert early.district.overdue_cases == 0

    # The API gives the same figures, to the administrator only.
    r = await api.client.get(f"{API}/reports/district?from={DAY}&to={DAY}", headers=bearer(day.admin))
    assert r.status_code == 200, r.text
    body = r.json()
    assert _figures(body["district"]) == DISTRICT
    assert {s["station_id"]: _figures(s) for s in body["stations"]} == {day.a["id"]: A, day.b["id"]: B}
    for token in (day.op_a, day.workers["w1"][1]):
        assert (await api.client.get(f"{API}/reports/district", headers=bearer(token))).status_code == 403


async def test_exports_open_and_hold_the_same_figures(api: Api, db: asyncpg.Connection[Any]) -> None:
    day = await build_day(api, db)
    url = f"{API}/reports/district?from={DAY}&to={DAY}"
    r = await api.client.get(url + "&format=csv", headers=bearer(day.admin))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    headers = [h for _, h in performance.COLUMNS]
    assert rows[0] == headers
    names = {day.a["name"]: A, day.b["name"]: B, "全区 district": DISTRICT}
    assert sorted(r[0] for r in rows[1:]) == sorted(names)
    for row in rows[1:]:
        expected = names[row[0]]
        got = dict(zip([f for f, _ in performance.COLUMNS][1:], row[1:], strict=True))
        assert {k: ("" if v is None else str(v)) for k, v in expected.items()} == got

    r = await api.client.get(url + "&format=xlsx", headers=bearer(day.admin))
    assert r.status_code == 200, r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    sheet = book.active
    assert sheet is not None
    values = [list(v) for v in sheet.iter_rows(values_only=True)]
    assert list(values[0]) == headers
    for row in values[1:]:
        got = dict(zip([f for f, _ in performance.COLUMNS][1:], row[1:], strict=True))
        assert got == names[str(row[0])]

    # One station's performance: its operator and the administrator, nobody else.
    one = f"{API}/stations/{day.a['id']}/performance?from={DAY}&to={DAY}"
    for token, status in ((day.op_a, 200), (day.admin, 200), (day.op_b, 404), (day.workers["w1"][1], 403)):
        assert (await api.client.get(one, headers=bearer(token))).status_code == status
    r = await api.client.get(one, headers=bearer(day.op_a))
    assert _figures(r.json()) == A
    r = await api.client.get(one + "&format=xlsx", headers=bearer(day.op_a))
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    [_, line] = [list(v) for v in sheet.iter_rows(values_only=True)]
    assert dict(zip([f for f, _ in performance.COLUMNS][1:], line[1:], strict=True)) == A


@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-11-20&to=2026-11-19", "to"),
    ("from=2026-01-01&to=2027-01-02", "to"),
    ("from=yesterday", "from"),
    ("from=2026-11-20&to=2026-13-01", "to"),
])
async def test_periods_are_checked(api: Api, query: str, field: str) -> None:
    admin = await api.admin()
    r = await api.client.get(f"{API}/reports/district?{query}", headers=bearer(admin))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field


async def test_station_rating_rules(api: Api, db: asyncpg.Connection[Any]) -> None:
    day = await build_day(api, db)
    _, t1 = day.workers["w1"]
    _, t3 = day.workers["w3"]
    a1, a3 = day.assignments["w1"]["id"], day.assignments["w3"]["id"]
    url = f"{API}/assignments/{{}}/station-rating"
    again = await api.client.post(url.format(a1), headers=bearer(t1), json={"stars": 1})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    # Not completed yet; someone else's job; out of range.
    r = await api.client.post(url.format(a3), headers=bearer(t3), json={"stars": 5})
    assert r.status_code == 409 and r.json()["code"] == "not_completed"
    assert (await api.client.post(url.format(a1), headers=bearer(t3), json={"stars": 5})).status_code == 404
    assert (await api.client.post(url.format(a3), headers=bearer(t3), json={"stars": 6})).status_code in (400, 422)
    assert (await api.client.post(url.format(a1), headers=bearer(day.admin), json={"stars": 5})).status_code == 403
    assert await db.fetchval("SELECT count(*) FROM station_ratings") == 3


async def test_pay_clock_sql_and_python_agree(db: asyncpg.Connection[Any]) -> None:
    ends = at(14)
    cases = [
        (status, confirmed, when, overturned)
        for status in ("active", "completed", "no_show", "cancelled")
        for confirmed in (None, at(15, 0, plus(3)), at(15, 0, plus(20)))
        for when in (at(13, 0, plus(15)), due_at(ends, 15), at(15, 0, plus(15)), at(15, 0, plus(25)))
        for overturned in (False, True)
    ]
    sql = f"SELECT {overdue_sql('a', '$4::int', '$5::timestamptz')} FROM (SELECT $1::text AS status, " \
          "$2::timestamptz AS ends_at, $3::timestamptz AS pay_confirmed_at, NULL::timestamptz AS departed_at, " \
          "$6::bool AS no_show_overturned) a"
    for status, confirmed, when, overturned in cases:
        expected = is_overdue(status, ends, confirmed, when, 15, no_show_overturned=overturned)
        assert await db.fetchval(sql, status, ends, confirmed, 15, when, overturned) is expected, (
            status, confirmed, when, overturned)
    # A no-show an operator overturned was work done: its pay runs on the clock.
    assert is_overdue("no_show", ends, None, at(15, 0, plus(25)), 15, no_show_overturned=True)
    assert is_overdue("completed", ends, None, at(15, 0, plus(15)), 15)
    assert is_overdue("completed", ends, None, due_at(ends, 15), 15)
    assert not is_overdue("completed", ends, None, due_at(ends, 15) - timedelta(seconds=1), 15)
    # A departure scanned later than the plan moves the clock.
    assert not is_overdue("completed", ends, None, due_at(ends, 15), 15, departed_at=ends + timedelta(hours=1))
