"""Where to put the next stations: a maximal covering location problem, proven optimal.

Church and ReVelle's MCLP (1974): given demand points with weights, candidate sites and
the stations that already exist, open ``k`` sites so that the summed weight of demand
within ``radius_m`` of some station (existing or new) is as large as possible.

Pure: no database, no HTTP. The pipeline reads top to bottom:

1. coverage: which candidate (and existing) stations reach each demand point, with
   geopy's great-circle distance (vectorised; pairs within a millimetre of the radius
   are re-checked with geopy itself so the boundary agrees exactly);
2. reduction: demand already covered by an existing station is counted and dropped, so
   is demand no candidate reaches; demand points with the same set of covering sites
   are merged (weights summed); sites whose cover is a subset of another's are dropped;
3. model (CP-SAT): one boolean per kept site and per merged demand group, a group is
   covered only if one of its sites is open, at most ``k`` sites open, maximise weight;
4. extraction: the chosen sites, padded to ``k`` in input order when fewer sites add
   anything, and the covered weights recomputed from the coverage itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import msgspec
import numpy as np
import numpy.typing as npt
from geopy.distance import great_circle
from ortools.sat.python import cp_model

from gigstation.solver.distance import EARTH_RADIUS_M, great_circle_m

__all__ = ["Demand", "Plan", "PlanStats", "Site", "coarsen", "coverage_of", "plan_stations"]

BoolMatrix = npt.NDArray[np.bool_]
_BOUNDARY_M = 1e-3


class Site(msgspec.Struct, frozen=True):
    """A candidate site or an existing station."""

    id: str
    lat: float
    lon: float


class Demand(msgspec.Struct, frozen=True):
    """Where demand is and how much (workers living in a cell, for example)."""

    lat: float
    lon: float
    weight: float


class PlanStats(msgspec.Struct, frozen=True):
    """What the reduction left and how long each step took."""

    demand_points: int
    demand_groups: int
    candidate_sites: int
    sites_kept: int
    coverage_ms: float
    solve_ms: float
    weight_scale: int


class Plan(msgspec.Struct, frozen=True):
    """The answer: chosen site ids and summed covered weights before and after."""

    chosen: list[str]
    covered_before: float
    covered_after: float
    total: float
    optimal: bool
    stats: PlanStats


def coarsen(lat: float, lon: float, cell_m: float = 500.0) -> tuple[float, float]:
    """The centre of the ~``cell_m`` grid cell holding a point (rows of equal latitude span)."""
    lat_step = cell_m / 111_195.0  # metres per degree of latitude on geopy's sphere
    row = math.floor(lat / lat_step)
    # The cells touching a pole or the antimeridian are cut at the edge of the map: their
    # centre stays a coordinate (lat within ±90, lon within ±180) whatever point is given.
    centre_lat = min(90.0, max(-90.0, (row + 0.5) * lat_step))
    lon_step = lat_step / max(math.cos(math.radians(centre_lat)), 1e-6)
    col = math.floor(lon / lon_step)
    centre_lon = min(180.0, max(-180.0, (col + 0.5) * lon_step))
    return round(centre_lat, 6), round(centre_lon, 6)


def coverage_of(demand: Sequence[Demand], sites: Sequence[Site], radius_m: float) -> BoolMatrix:
    """``cover[i, j]``: site j is within ``radius_m`` of demand point i (great circle, inclusive)."""
    cover = np.zeros((len(demand), len(sites)), dtype=np.bool_)
    if not demand or not sites:
        return cover
    d_lat = np.array([d.lat for d in demand])
    d_lon = np.array([d.lon for d in demand])
    # A spherical cap of angular radius r around (lat0, lon0) lies within |dlat| <= r and,
    # unless it holds a pole, |dlon| <= asin(sin r / cos lat0): only points in that box
    # need a distance. The margin absorbs rounding; the distance itself decides.
    r = radius_m / EARTH_RADIUS_M
    lat_box = math.degrees(r) * (1 + 1e-6) + 1e-9
    for j, site in enumerate(sites):
        cos_lat0 = math.cos(math.radians(site.lat))
        near = np.abs(d_lat - site.lat) <= lat_box
        if r < math.pi / 2 and math.sin(r) < cos_lat0 * (1 - 1e-9):
            lon_box = math.degrees(math.asin(math.sin(r) / cos_lat0)) * (1 + 1e-6) + 1e-9
            dlon = np.abs((d_lon - site.lon + 180.0) % 360.0 - 180.0)
            near &= dlon <= lon_box
        rows = np.flatnonzero(near) if r < math.pi else np.arange(len(demand))
        if len(rows) == 0:
            continue
        dist = great_circle_m(d_lat[rows], d_lon[rows], site.lat, site.lon)
        inside = dist <= radius_m
        # Float rounding differs between numpy and geopy in the last bits: let geopy decide
        # the pairs that sit on the boundary, so this agrees with any geopy-based check.
        for k in np.flatnonzero(np.abs(dist - radius_m) <= _BOUNDARY_M).tolist():
            i = int(rows[k])
            inside[k] = great_circle((d_lat[i], d_lon[i]), (site.lat, site.lon)).meters <= radius_m
        cover[rows, j] = inside
    return cover


def _weight_scale(weights: npt.NDArray[np.float64]) -> int:
    """The smallest power of ten making every weight whole (at most 10**6)."""
    for power in range(7):
        scale: int = 10**power
        scaled = weights * scale
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            return scale
    return 10**6


def _kept_sites(covers: list[int]) -> list[int]:
    """Sites not dominated: no other site covers a superset (ties keep the first)."""
    kept = []
    for j, cj in enumerate(covers):
        if cj == 0:
            continue
        dominated = any(
            i != j and cj & ~ci == 0 and (ci != cj or i < j) for i, ci in enumerate(covers)
        )
        if not dominated:
            kept.append(j)
    return kept


def _greedy(group_cover: BoolMatrix, group_weight: npt.NDArray[np.int64], sites: list[int], k: int) -> list[int]:
    """A greedy start for the solver: repeatedly open the site adding the most weight."""
    covered = np.zeros(group_cover.shape[0], dtype=np.bool_)
    chosen: list[int] = []
    for _ in range(min(k, len(sites))):
        gains = [int(group_weight[group_cover[:, j] & ~covered].sum()) if j not in chosen else -1
                 for j in sites]
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        chosen.append(sites[best])
        covered |= group_cover[:, sites[best]]
    return chosen


def plan_stations(
    demand: Sequence[Demand],
    candidates: Sequence[Site],
    existing: Sequence[Site],
    k: int,
    radius_m: float,
    *,
    time_limit_s: float | None = None,
    workers: int = 1,
) -> Plan:
    """Open ``k`` of ``candidates`` to maximise the weight of demand within ``radius_m``."""
    if k < 0 or k > len(candidates):
        raise ValueError(f"k must be between 0 and the number of candidates ({len(candidates)})")
    if radius_m <= 0:
        raise ValueError("radius_m must be positive")
    weights = np.array([d.weight for d in demand], dtype=np.float64)
    if np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ValueError("demand weights must be finite and non-negative")
    started = time.perf_counter()

    # Data: coverage by existing stations and by candidates.
    by_existing = coverage_of(demand, existing, radius_m).any(axis=1)
    cover = coverage_of(demand, candidates, radius_m)
    total = float(weights.sum())
    covered_before = float(weights[by_existing].sum())

    # Reduction: only demand that is not yet covered and that some candidate reaches can
    # change the answer; points with the same covering sites are one group.
    open_rows = ~by_existing & cover.any(axis=1)
    rows = cover[open_rows]
    scale = _weight_scale(weights)
    scaled = np.round(weights[open_rows] * scale).astype(np.int64)
    if len(rows):
        packed = np.packbits(rows, axis=1)
        _, inverse = np.unique(packed, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        group_weight = np.bincount(inverse, weights=scaled).round().astype(np.int64)
        first_row = np.full(len(group_weight), -1, dtype=np.int64)
        first_row[inverse[::-1]] = np.arange(len(inverse))[::-1]
        group_cover = rows[first_row]
    else:
        group_weight = np.zeros(0, dtype=np.int64)
        group_cover = np.zeros((0, len(candidates)), dtype=np.bool_)
    # Each site's cover as a Python int bitset over groups: subset tests are one AND.
    covers = [
        int.from_bytes(np.packbits(group_cover[:, j], bitorder="little").tobytes(), "little")
        for j in range(len(candidates))
    ]
    kept = _kept_sites(covers)
    coverage_ms = (time.perf_counter() - started) * 1000

    # Model and solve.
    started = time.perf_counter()
    opened, optimal = _solve(covers, group_cover, group_weight, kept, k, time_limit_s, workers)
    solve_ms = (time.perf_counter() - started) * 1000

    # Extraction: pad with unused candidates in input order, then recount from coverage.
    chosen_set = set(opened)
    for j in range(len(candidates)):
        if len(chosen_set) >= k:
            break
        chosen_set.add(j)
    chosen = sorted(chosen_set)
    after_mask = by_existing | (cover[:, chosen].any(axis=1) if chosen else False)
    return Plan(
        chosen=[candidates[j].id for j in chosen],
        covered_before=_tidy(covered_before, scale),
        covered_after=_tidy(float(weights[after_mask].sum()), scale),
        total=_tidy(total, scale),
        optimal=optimal,
        stats=PlanStats(
            demand_points=len(demand), demand_groups=len(group_weight),
            candidate_sites=len(candidates), sites_kept=len(kept),
            coverage_ms=round(coverage_ms, 1), solve_ms=round(solve_ms, 1), weight_scale=scale,
        ),
    )


def _tidy(value: float, scale: int) -> float:
    # Whole weights give whole sums; otherwise drop float noise below the weights' precision.
    return float(round(value)) if scale == 1 else round(value, 9)


def _solve(
    covers: list[int], group_cover: BoolMatrix, group_weight: npt.NDArray[np.int64], kept: list[int], k: int,
    time_limit_s: float | None, workers: int,
) -> tuple[list[int], bool]:
    """Indices of the sites to open among ``kept``, and whether that is proven optimal."""
    if k == 0 or not kept:
        return [], True
    if len(kept) <= k:
        return list(kept), True  # every useful site fits: nothing to choose
    model = cp_model.CpModel()
    x = {j: model.new_bool_var(f"open_{j}") for j in kept}
    site_gain: dict[int, int] = dict.fromkeys(kept, 0)
    terms = []
    groups_of: dict[int, list[int]] = {}
    for j in kept:
        for g in np.flatnonzero(group_cover[:, j]).tolist():
            groups_of.setdefault(g, []).append(j)
    for g, sites in groups_of.items():
        weight = int(group_weight[g])
        if weight == 0:
            continue
        if len(sites) == 1:
            # Covered exactly when its only site is open: its weight goes on that site.
            site_gain[sites[0]] += weight
            continue
        # A demand group counts only if at least one of the sites that reach it is open.
        y = model.new_bool_var(f"covered_{g}")
        model.add(sum(x[j] for j in sites) >= y)
        terms.append(weight * y)
    # At most k new stations.
    model.add(sum(x.values()) <= k)
    # Maximise the weight of demand within reach.
    model.maximize(sum(terms) + sum(site_gain[j] * x[j] for j in kept))
    start = set(_greedy(group_cover, group_weight, kept, k))
    for j in kept:
        model.add_hint(x[j], j in start)
    solver = cp_model.CpSolver()
    # One worker with level-2 linearisation: the LP relaxation of a covering model is tight
    # and proves it in well under a second on a district, where the default portfolio on
    # two workers had not closed a 2x gap after 60 s (bench/PLAN_RESULTS.md).
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.linearization_level = 2
    solver.parameters.random_seed = 0
    if time_limit_s is not None:
        solver.parameters.max_time_in_seconds = time_limit_s
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _greedy(group_cover, group_weight, kept, k), False
    return [j for j in kept if solver.boolean_value(x[j])], status == cp_model.OPTIMAL
