"""The district picture of a station plan, drawn by the server as SVG (no tile server).

The same equirectangular projection as ``station_map``, centred on the middle of everything
drawn: the workers' ~500 m home cells (sized by count, coloured by whether a station
reaches them today and after the plan), today's stations with their reach, and the
candidate sites (the chosen ones marked). Pure: it takes the plan and the points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec

from gigstation.oversight.charts import nice_ceiling
from gigstation.oversight.planning import StationPlan
from gigstation.oversight.station_map import project

__all__ = ["Place", "PlanMap", "PlanPoint", "plan_map"]

SIZE = 560
MARGIN = 20


class Place(msgspec.Struct, frozen=True):
    id: str
    name: str
    lat: float
    lon: float


class PlanPoint(msgspec.Struct, frozen=True):
    x: float
    y: float
    label: str
    count: int = 0
    state: str = ""
    """For cells: covered (today), added (by the plan) or missed; for sites: chosen or not."""


class PlanMap(msgspec.Struct, frozen=True):
    size: int
    radius_px: float
    scale_bar_px: float
    scale_bar_m: int
    cells: list[PlanPoint]
    stations: list[PlanPoint]
    candidates: list[PlanPoint]


def plan_map(plan: StationPlan, stations: Sequence[Place], candidates: Sequence[Place]) -> PlanMap:
    """Project the plan's cells, the stations and the candidate sites into one square picture."""
    points = [(c.lat, c.lon) for c in plan.cells] + [(p.lat, p.lon) for p in [*stations, *candidates]]
    if not points:
        return PlanMap(SIZE, 0.0, 0.0, 0, [], [], [])
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    lat0 = (min(lats) + max(lats)) / 2
    lon0 = (min(lons) + max(lons)) / 2
    far = max([plan.radius_m] + [max(abs(v) for v in project(la, lo, lat0, lon0)) + plan.radius_m * 0.3
                                 for la, lo in points])
    extent = max(500.0, far * 1.05)
    half = SIZE / 2
    scale = (half - MARGIN) / extent

    def px(lat: float, lon: float) -> tuple[float, float]:
        x, y = project(lat, lon, lat0, lon0)
        return round(half + x * scale, 1), round(half - y * scale, 1)

    chosen = set(plan.chosen)
    cells = [PlanPoint(*px(c.lat, c.lon), label=str(c.workers), count=c.workers,
                       state="covered" if c.covered_before else "added" if c.covered_after else "missed")
             for c in plan.cells]
    bar_m = nice_ceiling(max(1, math.floor(extent / 2)))
    if bar_m > extent:
        bar_m //= 2
    return PlanMap(
        size=SIZE, radius_px=round(plan.radius_m * scale, 1),
        scale_bar_px=round(bar_m * scale, 1), scale_bar_m=bar_m, cells=cells,
        stations=[PlanPoint(*px(s.lat, s.lon), label=s.name) for s in stations],
        candidates=[PlanPoint(*px(c.lat, c.lon), label=c.id, state="chosen" if c.id in chosen else "")
                    for c in candidates])
