"""Station performance over a day or a date range, per station and for the district.

The period is local calendar dates ``[from, to]`` inclusive in the service's zone. For
a station (or all stations, for the district line):

- ``checkins``: check-ins at the station in the period; ``people_served``: distinct
  workers among them;
- ``orders``, ``places_posted``: orders the station dispatches posted in the period and
  their headcount; ``places_filled``: their assignments that are active, completed or
  no-show (filled as far as dispatch goes); ``fill_rate`` = filled / posted;
- ``median_minutes_to_match``: over the filled places, from the order's posting to the
  assignment (the offer accepted);
- ``priority_share``: of the filled places, the share that went to a worker in a
  priority group at that moment (operator-verified, evidence not expired) or aged 50
  or more; ``median_wait_priority`` / ``median_wait_others``: minutes from the worker's
  last check-in at the station before the assignment to the assignment, for each group;
- ``wages_paid_cents``: pay recorded in the period on the station's assignments;
- ``overdue_cases``: the station's assignments whose work ended in the period and whose
  pay is overdue (work/pay_clock.py) at the end of the period, or now if earlier;
- ``complaints``: wage complaints opened in the period on the station's assignments;
- ``ratings``, ``satisfaction``: station ratings given in the period and their mean;
- ``employer_ratings`` / ``employer_satisfaction``, ``survey_answers`` /
  ``survey_satisfaction``, ``satisfaction_answers``, ``satisfied_share``, ``no_work_reasons``:
  the other voices and the share of all answers that were 4-5 (oversight/satisfaction.py);
- ``complaints_closed`` / ``complaints_closed_on_time`` / ``closed_on_time_share``: wage
  complaint cases closed in the period, and how many by their stages' due dates
  (oversight/complaints.py, settings with their sources); ``complaints_open_overdue``: cases
  still open and past a due date at the end of the period (or now, if earlier).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.oversight import complaints as cases
from gigstation.oversight import satisfaction as voices
from gigstation.oversight.reports import PRIORITY_AT_ACCEPT, check_report_day, day_bounds
from gigstation.platform.errors import Invalid, NotFound
from gigstation.work.pay_clock import overdue_sql

__all__ = [
    "COLUMNS",
    "MAX_PERIOD_DAYS",
    "DistrictReport",
    "Performance",
    "check_period",
    "district_report",
    "performance_table",
    "station_performance",
]

MAX_PERIOD_DAYS = 366


class Performance(msgspec.Struct, frozen=True):
    """One station's (or the district's, with ``station_id`` None) figures for a period."""

    station_id: UUID | None
    station_name: str
    checkins: int
    people_served: int
    orders: int
    places_posted: int
    places_filled: int
    fill_rate: float
    median_minutes_to_match: float | None
    filled_by_priority: int
    priority_share: float
    median_wait_priority: float | None
    median_wait_others: float | None
    wages_paid_cents: int
    overdue_cases: int
    complaints: int
    ratings: int
    satisfaction: float | None
    employer_ratings: int = 0
    employer_satisfaction: float | None = None
    survey_answers: int = 0
    survey_satisfaction: float | None = None
    satisfaction_answers: int = 0
    satisfied_share: float | None = None
    no_work_reasons: dict[str, int] = msgspec.field(default_factory=dict)
    complaints_closed: int = 0
    complaints_closed_on_time: int = 0
    closed_on_time_share: float | None = None
    complaints_open_overdue: int = 0


class DistrictReport(msgspec.Struct, frozen=True):
    """Every station side by side, then the district as a whole."""

    date_from: date
    date_to: date
    timezone: str
    settlement_days: int
    stations: list[Performance]
    district: Performance


def check_period(date_from: date, date_to: date) -> None:
    """A period lies within the report dates (2000-2099), runs forwards and spans at most
    :data:`MAX_PERIOD_DAYS` days."""
    check_report_day(date_from, "from")
    check_report_day(date_to, "to")
    if date_to < date_from:
        raise Invalid.of_field("to", "结束日期早于开始日期", "the end date is before the start date")
    if (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
        raise Invalid.of_field("to", f"统计区间最长 {MAX_PERIOD_DAYS} 天",
                               f"a period spans at most {MAX_PERIOD_DAYS} days")


# $1 station (NULL: all), $2 start, $3 end, $4 settlement days, $5 overdue as of, $6 zone.
# A filled place's priority fact, once frozen (oversight.snapshots), is read as frozen.
_PERFORMANCE = f"""
WITH
p_checkins AS (
    SELECT c.worker_id FROM checkins c
    WHERE ($1::uuid IS NULL OR c.station_id = $1) AND c.checked_in_at >= $2 AND c.checked_in_at < $3
),
p_orders AS (
    SELECT o.id, o.station_id, o.headcount, o.created_at FROM orders o
    WHERE ($1::uuid IS NULL OR o.station_id = $1) AND o.created_at >= $2 AND o.created_at < $3
),
filled AS (
    SELECT a.worker_id, a.created_at,
           extract(epoch FROM a.created_at - o.created_at) / 60.0 AS to_match,
           extract(epoch FROM a.created_at - (
               SELECT max(c.checked_in_at) FROM checkins c
               WHERE c.worker_id = a.worker_id AND c.station_id = o.station_id
                 AND c.checked_in_at <= a.created_at)) / 60.0 AS waited,
           coalesce(ap.priority, {PRIORITY_AT_ACCEPT.format(a="a", w="w", zone="$6::text")}) AS priority
    FROM assignments a JOIN p_orders o ON o.id = a.order_id JOIN workers w ON w.user_id = a.worker_id
    LEFT JOIN assignment_priority_facts ap ON ap.assignment_id = a.id
    WHERE a.status IN ('active', 'completed', 'no_show')
),
station_work AS (
    SELECT a.* FROM assignments a JOIN orders o ON o.id = a.order_id
    WHERE ($1::uuid IS NULL OR o.station_id = $1)
),
p_ratings AS (
    SELECT r.stars FROM station_ratings r
    WHERE ($1::uuid IS NULL OR r.station_id = $1) AND r.created_at >= $2 AND r.created_at < $3
)
SELECT
    (SELECT count(*) FROM p_checkins)::int AS checkins,
    (SELECT count(DISTINCT worker_id) FROM p_checkins)::int AS people_served,
    (SELECT count(*) FROM p_orders)::int AS orders,
    (SELECT coalesce(sum(headcount), 0) FROM p_orders)::int AS places_posted,
    (SELECT count(*) FROM filled)::int AS places_filled,
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY to_match) FROM filled) AS median_minutes_to_match,
    (SELECT count(*) FROM filled WHERE priority)::int AS filled_by_priority,
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY waited) FROM filled
        WHERE priority AND waited IS NOT NULL) AS median_wait_priority,
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY waited) FROM filled
        WHERE NOT priority AND waited IS NOT NULL) AS median_wait_others,
    (SELECT coalesce(sum(paid_cents), 0) FROM station_work a
        WHERE a.paid_at >= $2 AND a.paid_at < $3)::bigint AS wages_paid_cents,
    (SELECT count(*) FROM station_work a WHERE a.ends_at >= $2 AND a.ends_at < $3
        AND {overdue_sql("a", "$4::int", "$5::timestamptz")})::int AS overdue_cases,
    (SELECT count(*) FROM station_work a
        WHERE a.disputed_at >= $2 AND a.disputed_at < $3)::int AS complaints,
    (SELECT count(*) FROM p_ratings)::int AS ratings,
    (SELECT avg(stars) FROM p_ratings)::float8 AS satisfaction
"""
_STATIONS = "SELECT id, name FROM stations ORDER BY name, id"
_STATION = "SELECT name FROM stations WHERE id = $1"


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


async def _figures(
    conn: asyncpg.Connection[Any], station_id: UUID | None, name: str, date_from: date, date_to: date,
    zone: str, settlement_days: int, now: datetime, case_rules: cases.CaseRules,
) -> Performance:
    start, _ = day_bounds(date_from, zone)
    _, end = day_bounds(date_to, zone)
    row = await conn.fetchrow(_PERFORMANCE, station_id, start, end, settlement_days, min(end, now), zone)
    assert row is not None  # a SELECT without FROM always returns one row
    r = dict(row)
    posted, filled = r["places_posted"], r["places_filled"]
    for key in ("median_minutes_to_match", "median_wait_priority", "median_wait_others", "satisfaction"):
        r[key] = _round(r[key])
    said = await voices.period_figures(conn, station_id, start, end)
    closure = await cases.case_figures(conn, station_id, start, end, min(end, now), case_rules)
    return Performance(
        complaints_closed=closure.closed, complaints_closed_on_time=closure.closed_on_time,
        closed_on_time_share=None if closure.on_time_share is None else round(closure.on_time_share, 4),
        complaints_open_overdue=closure.open_overdue,
        employer_ratings=said.employer_ratings, employer_satisfaction=said.employer_satisfaction,
        survey_answers=said.survey_answers, survey_satisfaction=said.survey_satisfaction,
        satisfaction_answers=said.satisfaction_answers, satisfied_share=said.satisfied_share,
        no_work_reasons=said.no_work_reasons,
        station_id=station_id, station_name=name,
        fill_rate=round(filled / posted, 4) if posted else 0.0,
        priority_share=round(r["filled_by_priority"] / filled, 4) if filled else 0.0,
        **r,
    )


async def station_performance(
    conn: asyncpg.Connection[Any], station_id: UUID, date_from: date, date_to: date, zone: str,
    settlement_days: int, now: datetime, case_rules: cases.CaseRules = cases.DEFAULT_CASE_RULES,
) -> Performance:
    """One station's figures for the period (module docstring: what each counts)."""
    check_period(date_from, date_to)
    name = await conn.fetchval(_STATION, station_id)
    if name is None:
        raise NotFound("驿站不存在", "no such station")
    return await _figures(conn, station_id, name, date_from, date_to, zone, settlement_days, now, case_rules)


async def district_report(
    conn: asyncpg.Connection[Any], date_from: date, date_to: date, zone: str, settlement_days: int,
    now: datetime, case_rules: cases.CaseRules = cases.DEFAULT_CASE_RULES,
) -> DistrictReport:
    """Every station side by side and the district total (medians over the whole district)."""
    check_period(date_from, date_to)
    stations = [
        await _figures(conn, r["id"], r["name"], date_from, date_to, zone, settlement_days, now, case_rules)
        for r in await conn.fetch(_STATIONS)
    ]
    district = await _figures(conn, None, "全区 district", date_from, date_to, zone, settlement_days, now,
                              case_rules)
    return DistrictReport(date_from, date_to, zone, settlement_days, stations, district)


# (field, header): Chinese first, English second, as on every user-facing surface.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("station_name", "驿站 station"),
    ("checkins", "签到人次 check-ins"),
    ("people_served", "服务人数 people served"),
    ("orders", "订单数 orders"),
    ("places_posted", "岗位数 places posted"),
    ("places_filled", "已匹配岗位 places filled"),
    ("fill_rate", "匹配率 fill rate"),
    ("median_minutes_to_match", "匹配用时中位数(分钟) median minutes to match"),
    ("filled_by_priority", "重点群体上岗 filled by priority groups"),
    ("priority_share", "重点群体占比 priority share"),
    ("median_wait_priority", "重点群体等待中位数(分钟) median wait, priority"),
    ("median_wait_others", "其他人员等待中位数(分钟) median wait, others"),
    ("wages_paid_cents", "已付工资(分) wages paid (fen)"),
    ("overdue_cases", "欠薪逾期件数 overdue pay cases"),
    ("complaints", "投诉件数 complaints"),
    ("ratings", "评价数 ratings"),
    ("satisfaction", "满意度(1-5) satisfaction"),
    ("employer_ratings", "用工单位评价数 employer ratings"),
    ("employer_satisfaction", "用工单位满意度(1-5) employer satisfaction"),
    ("survey_answers", "签退调查答卷 checkout survey answers"),
    ("survey_satisfaction", "签退调查满意度(1-5) checkout survey satisfaction"),
    ("satisfaction_answers", "满意度答卷合计 all satisfaction answers"),
    ("satisfied_share", "满意率(4-5星) satisfied share"),
    ("complaints_closed", "工资投诉办结件数 wage complaints closed"),
    ("complaints_closed_on_time", "按期办结件数 closed on time"),
    ("closed_on_time_share", "按期办结率 closed on time share"),
    ("complaints_open_overdue", "未结逾期件数 open and overdue"),
)


def performance_table(lines: list[Performance]) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows for an export, one row per line."""
    headers = [h for _, h in COLUMNS]
    rows = [[getattr(line, f) for f, _ in COLUMNS] for line in lines]
    return headers, rows
