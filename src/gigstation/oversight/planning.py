"""Station planning from the database: registered workers' home cells as the demand.

Demand: each registered, non-anonymised worker counts 1 at the centre of their ~500 m
home cell (``PUT /workers/me/home-area``; only the cell is stored). A worker who gave
no home area counts at the coarsened location of their latest located check-in, a
proxy that leans towards where stations already are; ``demand_from_checkins`` in the
answer says how many workers were placed that way, and workers with neither are left
out (``workers_unlocated``). Existing stations are every station in the registry.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec
import numpy as np

from gigstation.oversight.siting import Demand, Site, coarsen, coverage_of, plan_stations
from gigstation.platform import audit
from gigstation.platform.errors import Invalid
from gigstation.platform.types import Lat, Lon

__all__ = [
    "Cell",
    "HomeArea",
    "HomeAreaView",
    "PlanRequest",
    "SiteIn",
    "StationPlan",
    "plan_from_workers",
    "set_home_area",
]

_TIME_LIMIT_S = 60.0


class SiteIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[^\x00]*$")]
    lat: Lat
    lon: Lon


class PlanRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    k: Annotated[int, msgspec.Meta(ge=0, le=100)]
    candidates: Annotated[list[SiteIn], msgspec.Meta(max_length=2000)]
    radius_m: Annotated[float, msgspec.Meta(gt=0, le=50_000)] | None = None


class Cell(msgspec.Struct, frozen=True):
    lat: float
    lon: float
    workers: int
    covered_before: bool
    covered_after: bool


class StationPlan(msgspec.Struct, frozen=True):
    chosen: list[str]
    covered_before: int
    covered_after: int
    total: int
    optimal: bool
    radius_m: float
    coverage_before: float
    coverage_after: float
    demand_from_home_areas: int
    demand_from_checkins: int
    workers_unlocated: int
    cells: list[Cell]


class HomeArea(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    lat: Lat
    lon: Lon


class HomeAreaView(msgspec.Struct, frozen=True):
    cell_lat: float
    cell_lon: float
    cell_m: int = 500


_WORKER_PLACES = """
SELECT w.home_cell_lat, w.home_cell_lon,
       (SELECT c.lat FROM checkins c WHERE c.worker_id = w.user_id AND c.lat IS NOT NULL
        ORDER BY c.checked_in_at DESC LIMIT 1) AS checkin_lat,
       (SELECT c.lon FROM checkins c WHERE c.worker_id = w.user_id AND c.lat IS NOT NULL
        ORDER BY c.checked_in_at DESC LIMIT 1) AS checkin_lon
FROM workers w JOIN users u ON u.id = w.user_id
WHERE u.anonymised_at IS NULL AND u.disabled_at IS NULL
"""
_STATIONS = "SELECT id, lat, lon FROM stations ORDER BY id"


async def plan_from_workers(
    conn: asyncpg.Connection[Any], admin_id: UUID, request: PlanRequest, default_radius_m: float
) -> StationPlan:
    """Plan ``k`` new stations among the candidates with the registered workers as demand."""
    ids = [c.id for c in request.candidates]
    if len(set(ids)) != len(ids):
        raise Invalid.of_field("candidates", "候选点 id 重复", "candidate ids must be unique")
    if request.k > len(ids):
        raise Invalid.of_field("k", f"k 超过候选点数量 {len(ids)}", f"k is more than the {len(ids)} candidates")
    radius = request.radius_m or default_radius_m
    cells: dict[tuple[float, float], int] = {}
    from_home = from_checkins = unlocated = 0
    for r in await conn.fetch(_WORKER_PLACES):
        if r["home_cell_lat"] is not None:
            key = (r["home_cell_lat"], r["home_cell_lon"])
            from_home += 1
        elif r["checkin_lat"] is not None:
            key = coarsen(r["checkin_lat"], r["checkin_lon"])
            from_checkins += 1
        else:
            unlocated += 1
            continue
        cells[key] = cells.get(key, 0) + 1
    demand = [Demand(lat, lon, float(n)) for (lat, lon), n in sorted(cells.items())]
    existing = [Site(str(r["id"]), r["lat"], r["lon"]) for r in await conn.fetch(_STATIONS)]
    candidates = [Site(c.id, c.lat, c.lon) for c in request.candidates]
    plan = await asyncio.to_thread(plan_stations, demand, candidates, existing, request.k, radius,
                                   time_limit_s=_TIME_LIMIT_S)
    chosen = [c for c in candidates if c.id in set(plan.chosen)]
    before_flags = [bool(v) for v in np.any(coverage_of(demand, existing, radius), axis=1).tolist()]
    now_flags = [bool(v) for v in np.any(coverage_of(demand, chosen, radius), axis=1).tolist()]
    after_flags = [b or n for b, n in zip(before_flags, now_flags, strict=True)]
    total = int(plan.total)
    await audit.record(conn, admin_id, "planning.stations", "planning", "stations", {
        "k": request.k, "radius_m": radius, "candidates": len(candidates), "chosen": plan.chosen,
        "optimal": plan.optimal})
    return StationPlan(
        chosen=plan.chosen, covered_before=int(plan.covered_before), covered_after=int(plan.covered_after),
        total=total, optimal=plan.optimal, radius_m=radius,
        coverage_before=round(plan.covered_before / total, 4) if total else 0.0,
        coverage_after=round(plan.covered_after / total, 4) if total else 0.0,
        demand_from_home_areas=from_home, demand_from_checkins=from_checkins, workers_unlocated=unlocated,
        cells=[Cell(d.lat, d.lon, int(d.weight), bool(b), bool(a))
               for d, b, a in zip(demand, before_flags, after_flags, strict=True)],
    )


_SET_HOME = "UPDATE workers SET home_cell_lat = $2, home_cell_lon = $3, updated_at = now() WHERE user_id = $1"


async def set_home_area(conn: asyncpg.Connection[Any], worker_id: UUID, area: HomeArea) -> HomeAreaView:
    """Store only the ~500 m cell around the point the worker gave (the point is dropped)."""
    lat, lon = coarsen(area.lat, area.lon)
    await conn.execute(_SET_HOME, worker_id, lat, lon)
    await audit.record(conn, worker_id, "worker.home_area", "worker", worker_id, {})
    return HomeAreaView(lat, lon)
