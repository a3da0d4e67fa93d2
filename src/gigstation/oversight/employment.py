"""Employment registration: the people who found work through a station, for the office.

For administrators only. Each row is one job that began in the period (local dates,
inclusive) and was taken up (assignment active or completed): the worker's name, ID
type and masked ID number (never the full number), the employer, the station, the job
and its dates. Every export writes an audit row saying who exported what period, for
which station, in which format, and how many rows left the system.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.oversight.performance import check_period
from gigstation.oversight.reports import day_bounds
from gigstation.platform import audit

__all__ = ["COLUMNS", "EmploymentRow", "employment_rows", "export_employment"]


class EmploymentRow(msgspec.Struct, frozen=True):
    worker_name: str
    id_type: str
    id_number_masked: str
    employer_name: str
    employer_credit_code: str | None
    station_name: str
    job_title: str
    skill: str
    starts_at: datetime
    ends_at: datetime
    status: str


COLUMNS: tuple[tuple[str, str], ...] = (
    ("worker_name", "姓名 name"),
    ("id_type", "证件类型 ID type"),
    ("id_number_masked", "证件号码(脱敏) ID number (masked)"),
    ("employer_name", "用工单位 employer"),
    ("employer_credit_code", "统一社会信用代码 credit code"),
    ("station_name", "驿站 station"),
    ("job_title", "岗位 job"),
    ("skill", "工种 skill"),
    ("starts_at", "开始时间 starts"),
    ("ends_at", "结束时间 ends"),
    ("status", "状态 status"),
)

_ROWS = """
SELECT wu.name AS worker_name, w.id_type, w.id_masked AS id_number_masked,
       eu.name AS employer_name, e.credit_code AS employer_credit_code, s.name AS station_name,
       o.title AS job_title, o.skill, a.starts_at, a.ends_at, a.status
FROM assignments a
JOIN orders o ON o.id = a.order_id
JOIN stations s ON s.id = o.station_id
JOIN workers w ON w.user_id = a.worker_id JOIN users wu ON wu.id = a.worker_id
JOIN employers e ON e.user_id = o.employer_id JOIN users eu ON eu.id = o.employer_id
WHERE a.status IN ('active', 'completed') AND a.starts_at >= $1 AND a.starts_at < $2
  AND ($3::uuid IS NULL OR o.station_id = $3)
ORDER BY a.starts_at, s.name, wu.name, a.id
"""


async def employment_rows(
    conn: asyncpg.Connection[Any], date_from: date, date_to: date, zone: str, station_id: UUID | None = None
) -> list[EmploymentRow]:
    """The jobs taken up through stations in the period (see the module docstring)."""
    check_period(date_from, date_to)
    start, _ = day_bounds(date_from, zone)
    _, end = day_bounds(date_to, zone)
    rows = await conn.fetch(_ROWS, start, end, station_id)
    return [msgspec.convert(dict(r), EmploymentRow) for r in rows]


async def export_employment(
    conn: asyncpg.Connection[Any], admin_id: UUID, date_from: date, date_to: date, zone: str,
    fmt: str, station_id: UUID | None = None,
) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows for the export file; audited in the caller's transaction."""
    found = await employment_rows(conn, date_from, date_to, zone, station_id)
    await audit.record(conn, admin_id, "export.employment_registration", "export", "employment", {
        "from": date_from.isoformat(), "to": date_to.isoformat(), "format": fmt,
        "station_id": None if station_id is None else str(station_id), "rows": len(found),
    })
    tz = ZoneInfo(zone)
    local = [msgspec.structs.replace(r, starts_at=r.starts_at.astimezone(tz), ends_at=r.ends_at.astimezone(tz))
             for r in found]
    headers = [h for _, h in COLUMNS]
    return headers, [[getattr(r, f) for f, _ in COLUMNS] for r in local]
