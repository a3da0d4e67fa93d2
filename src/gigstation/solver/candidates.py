"""Eligible (worker, order) pairs, generated without looking at every pair.

``index_instance`` turns the instance's structs into arrays once (ids sorted, skills as
integer codes, datetimes as integer microseconds). ``candidates`` buckets the orders
by (skill, 3-D grid cell) and runs a compiled count-then-fill kernel
(``nearby.eligible_pass``: a count pass, then a fill pass) that visits, for each worker and each of its skills, only
the buckets within the worker's own reach, and filters there by time window, exact
great-circle distance and forbids. The cost grows with the number of nearby skilled
pairs rather than with workers x orders.

Pairs are returned in (worker, order) order: grouped by worker index ascending, and
within a worker by order index ascending (the order ``np.lexsort((order, worker))``
gives), whatever the grid. Distances are the ones ``distance.great_circle_pairs``
gives, rounded half to even (``np.rint``), bit for bit as before.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from gigstation.solver.distance import EARTH_RADIUS_M, Trig, great_circle_pairs
from gigstation.solver.models import Instance, Order, Worker
from gigstation.solver.moments import micros_since_epoch
from gigstation.solver.nearby import (
    COS_LAT,
    COS_LON,
    GEO_ROWS,
    SIN_LAT,
    SIN_LON,
    X,
    Y,
    Z,
    build_grid,
    eligible_pass,
)

__all__ = ["Candidates", "Indexed", "PairStatus", "candidates", "check_pairs", "index_instance"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Grid cells are this fraction of the largest reach: smaller cells waste less of the
# searched cube on pairs beyond reach, but each worker then visits more (often empty)
# buckets. Measured on the standard instances (solver/CANDIDATES.md).
_CELL_OF_REACH = 1.0
# From this many workers on, pairs are generated in two threads (half the workers each).
PARALLEL_MIN_WORKERS = 10_000
# At most this many (cell, skill) buckets (8 bytes each); wider instances get larger cells.
_MAX_BUCKETS = 1 << 22
# Chord thresholds are widened by this much (relative, and absolute on the unit sphere:
# 6 micrometres), far above the ~1e-15 error of a chord or of an exact distance.
_REL_MARGIN = 1e-9
_ABS_MARGIN = 1e-12


@dataclass(frozen=True, slots=True, eq=False)
class SkillTable:
    """Skills as integer codes: the order skills ``names``, each worker's codes as CSR, and
    the workers of each code (ascending)."""

    names: list[str]
    order_code: IntArray
    # Every skill any worker has, and keys code * n_workers + worker over those codes (sorted).
    every: list[str]
    worker_skill_key: IntArray
    worker_first: IntArray
    worker_code: IntArray
    skilled_first: IntArray
    skilled: IntArray


@dataclass(frozen=True, eq=False)
class Indexed:
    """An instance sorted by id and laid out as arrays; index i means the i-th sorted id."""

    workers: list[Worker]
    orders: list[Order]
    worker_lat: FloatArray
    worker_lon: FloatArray
    worker_from: IntArray
    worker_until: IntArray
    worker_limit: FloatArray
    worker_priority: IntArray
    order_lat: FloatArray
    order_lon: FloatArray
    order_start: IntArray
    order_end: IntArray
    headcount: IntArray
    forbidden_keys: IntArray
    worker_trig: Trig
    order_trig: Trig
    skills: SkillTable
    # Kernel layouts (see ``nearby``): GEO rows (unit vector, sines, cosines), WINDOW rows
    # (opens, closes: available from / until, starts / ends).
    worker_geo: FloatArray
    worker_window: IntArray
    order_geo: FloatArray
    order_window: IntArray
    # Squared chord below which a pair is within the worker's limit for sure, and the
    # chord beyond which it is beyond it for sure (see ``nearby``).
    worker_inner2: FloatArray
    worker_outer: FloatArray

    @cached_property
    def workers_by_skill(self) -> dict[str, IntArray]:
        """Every worker skill -> its workers, ascending (built on first use: explanations of one
        order and recommendations need it, a solve does not)."""
        table, n_w = self.skills, max(len(self.workers), 1)
        cuts = np.searchsorted(table.worker_skill_key, np.arange(len(table.every) + 1, dtype=np.int64) * n_w)
        return {s: table.worker_skill_key[cuts[k] : cuts[k + 1]] % n_w for k, s in enumerate(table.every)}

    @cached_property
    def orders_by_skill(self) -> dict[str, IntArray]:
        """Every order skill -> its orders, ascending (built on first use)."""
        code = self.skills.order_code
        by_code = np.argsort(code, kind="stable").astype(np.int64)
        cuts = np.searchsorted(code[by_code], np.arange(len(self.skills.names) + 1))
        return {s: by_code[cuts[k] : cuts[k + 1]] for k, s in enumerate(self.skills.names)}

    @cached_property
    def worker_index(self) -> dict[str, int]:
        """Worker id -> index (built on first use: pins, forbids and recommendations need it)."""
        return {w.id: i for i, w in enumerate(self.workers)}

    @cached_property
    def order_index(self) -> dict[str, int]:
        """Order id -> index (built on first use)."""
        return {o.id: j for j, o in enumerate(self.orders)}

    def pair_keys(self, worker: IntArray, order: IntArray) -> IntArray:
        """One int64 per pair, for set operations on pairs."""
        return worker.astype(np.int64) * max(len(self.orders), 1) + order.astype(np.int64)


def _chord_bounds(limit: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per limit (metres): the squared chord surely inside it (-1: none) and the chord surely beyond it."""
    chord = 2.0 * np.sin(np.minimum(limit / EARTH_RADIUS_M, np.pi) / 2.0)
    inner = chord * (1.0 - _REL_MARGIN) - _ABS_MARGIN
    inner2 = np.where(inner > 0.0, inner * inner, -1.0)
    return inner2, chord * (1.0 + _REL_MARGIN) + _ABS_MARGIN


def _geo(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, Trig]:
    """GEO rows for points in degrees, and a ``Trig`` whose arrays are views of its rows."""
    trig = Trig.of(lat, lon)
    geo = np.empty((GEO_ROWS, lat.shape[0]), dtype=np.float64)
    geo[SIN_LAT], geo[COS_LAT], geo[SIN_LON], geo[COS_LON] = trig.sin_lat, trig.cos_lat, trig.sin_lon, trig.cos_lon
    # The unit vector from the same sines and cosines the exact distance uses.
    geo[X], geo[Y], geo[Z] = trig.cos_lat * trig.cos_lon, trig.cos_lat * trig.sin_lon, trig.sin_lat
    return geo, Trig(geo[SIN_LAT], geo[COS_LAT], geo[SIN_LON], geo[COS_LON])


def _sorted_distinct(values: IntArray) -> IntArray:
    """``np.unique`` by sorting: numpy 2's hashing unique took 1 s on the city's 180,000 keys."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if values.size else values


def _skill_table(workers: list[Worker], orders: list[Order]) -> SkillTable:
    """Integer skill codes (duplicates in a worker's list dropped)."""
    n_w = len(workers)
    flat = [s for w in workers for s in w.skills]
    owner = np.repeat(np.arange(n_w, dtype=np.int64), np.array([len(w.skills) for w in workers], dtype=np.int64))
    every = sorted(set(flat))
    every_code = {s: k for k, s in enumerate(every)}
    by_skill_key = _sorted_distinct(np.array([every_code[s] for s in flat], dtype=np.int64) * max(n_w, 1) + owner)

    order_skills = [o.skill for o in orders]
    names = sorted(set(order_skills))
    code = {s: k for k, s in enumerate(names)}
    # Worker skills no order asks for get no code; order skills no worker has get no workers.
    to_code = np.array([code.get(s, -1) for s in every], dtype=np.int64)
    skill_of_key = to_code[by_skill_key // max(n_w, 1)] if by_skill_key.size else by_skill_key
    kept = by_skill_key[skill_of_key >= 0]
    kept_code, kept_worker = skill_of_key[skill_of_key >= 0], kept % max(n_w, 1)
    # kept is sorted by (every-code, worker) and to_code is increasing, so by (code, worker).
    skilled_first = np.searchsorted(kept_code, np.arange(len(names) + 1, dtype=np.int64))
    by_worker = np.lexsort((kept_code, kept_worker))
    worker_first = np.searchsorted(kept_worker[by_worker], np.arange(n_w + 1, dtype=np.int64))
    table = SkillTable(
        names=names,
        order_code=np.array([code[s] for s in order_skills], dtype=np.int64),
        worker_first=worker_first.astype(np.int64),
        worker_code=kept_code[by_worker],
        skilled_first=skilled_first.astype(np.int64),
        skilled=kept_worker,
        every=every,
        worker_skill_key=by_skill_key,
    )
    return table


def index_instance(instance: Instance) -> Indexed:
    """Sort an instance by id and extract the arrays the solver works on."""
    workers = sorted(instance.workers, key=attrgetter("id"))
    orders = sorted(instance.orders, key=attrgetter("id"))
    cap = instance.params.max_distance_m
    limit = np.array([w.max_distance_m for w in workers], dtype=np.float64)
    if cap is not None:
        limit = np.minimum(limit, cap)
    skills = _skill_table(workers, orders)
    n_orders = max(len(orders), 1)
    forbidden = np.zeros(0, dtype=np.int64)
    if instance.forbidden:
        worker_index = {w.id: i for i, w in enumerate(workers)}
        order_index = {o.id: j for j, o in enumerate(orders)}
        forbidden = _sorted_distinct(
            np.array(
                [
                    worker_index[p.worker_id] * n_orders + order_index[p.order_id]
                    for p in instance.forbidden
                    # Forbids naming absent workers or orders cannot matter; dispatch may send stale ones.
                    if p.worker_id in worker_index and p.order_id in order_index
                ],
                dtype=np.int64,
            )
        )
    worker_lat = np.array([w.lat for w in workers], dtype=np.float64)
    worker_lon = np.array([w.lon for w in workers], dtype=np.float64)
    order_lat = np.array([o.lat for o in orders], dtype=np.float64)
    order_lon = np.array([o.lon for o in orders], dtype=np.float64)
    worker_geo, worker_trig = _geo(worker_lat, worker_lon)
    order_geo, order_trig = _geo(order_lat, order_lon)
    # One conversion for all four lists: a call costs more than a few hundred datetimes.
    n_w, n_o = len(workers), len(orders)
    moments = micros_since_epoch(
        [w.available_from for w in workers]
        + [w.available_until for w in workers]
        + [o.starts_at for o in orders]
        + [o.ends_at for o in orders]
    )
    worker_window = moments[: 2 * n_w].reshape(2, n_w)
    order_window = moments[2 * n_w :].reshape(2, n_o)
    worker_from, worker_until = worker_window
    order_start, order_end = order_window
    inner2, outer = _chord_bounds(limit)
    return Indexed(
        workers=workers,
        orders=orders,
        worker_lat=worker_lat,
        worker_lon=worker_lon,
        worker_from=worker_from,
        worker_until=worker_until,
        worker_limit=limit,
        worker_priority=np.array([w.priority for w in workers], dtype=np.int64),
        order_lat=order_lat,
        order_lon=order_lon,
        order_start=order_start,
        order_end=order_end,
        headcount=np.array([o.headcount for o in orders], dtype=np.int64),
        forbidden_keys=forbidden,
        worker_trig=worker_trig,
        order_trig=order_trig,
        skills=skills,
        worker_geo=worker_geo,
        worker_window=worker_window,
        order_geo=order_geo,
        order_window=order_window,
        worker_inner2=inner2,
        worker_outer=outer,
    )


@dataclass(frozen=True, slots=True, eq=False)
class Candidates:
    """Eligible pairs as parallel arrays in (worker, order) order; ``distance_m`` is rounded once, here."""

    worker: IntArray
    order: IntArray
    distance_m: IntArray

    def __len__(self) -> int:
        return int(self.worker.shape[0])


class Grid(NamedTuple):
    """Orders bucketed for ``nearby.eligible_pass``; ``geo`` / ``window`` are in bucket order."""

    lo: FloatArray
    cell: float
    dims: IntArray
    start: IntArray
    perm: IntArray
    geo: FloatArray
    window: IntArray


def _grid(ix: Indexed) -> Grid | None:
    """Orders bucketed by (skill, cell), cells a fraction of the largest worker reach; None if no pair can exist."""
    skills = ix.skills
    has_skill = np.diff(skills.worker_first) > 0
    if not has_skill.any() or not len(ix.orders):
        return None
    xyz = ix.order_geo[X : Z + 1]
    lo, hi = xyz.min(axis=1), xyz.max(axis=1)
    n_skills = max(len(skills.names), 1)
    cell = max(float(ix.worker_outer[has_skill].max()) * _CELL_OF_REACH, 1e-9)
    extent = np.maximum(hi - lo, 0.0)
    while float(np.prod(np.floor(extent / cell) + 1.0)) * n_skills > _MAX_BUCKETS:
        cell *= 1.25
    dims = (np.floor(extent / cell) + 1.0).astype(np.int64)
    start, perm = build_grid(ix.order_geo, skills.order_code, lo, 1.0 / cell, dims, n_skills)
    return Grid(lo, cell, dims, start, perm, ix.order_geo[:, perm], ix.order_window[:, perm])


def candidates(ix: Indexed, *, halves: bool | None = None) -> Candidates:
    """Every eligible pair, in (worker, order) order (see the module docstring).

    ``halves``: the workers in two halves on two threads (True), in one pass (False), or
    by size (None: two halves from ``PARALLEL_MIN_WORKERS``); the pairs are the same.
    """
    grid = _grid(ix)
    if grid is None:
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(empty, empty.copy(), empty.copy())
    n_w = len(ix.workers)

    def kernel_args(first: int, last: int) -> tuple[Any, ...]:
        return (
            ix.worker_geo,
            ix.worker_window,
            ix.worker_limit,
            ix.worker_inner2,
            ix.worker_outer,
            ix.skills.worker_first,
            ix.skills.worker_code,
            grid.lo,
            grid.cell,
            grid.dims,
            grid.start,
            grid.perm,
            grid.geo,
            grid.window,
            ix.forbidden_keys,
            max(len(ix.orders), 1),
            EARTH_RADIUS_M,
            first,
            last,
        )

    def count(first: int, last: int) -> IntArray:
        offset = np.zeros(last - first + 1, dtype=np.int64)
        eligible_pass(*[*kernel_args(first, last), False, offset, offset, offset, offset])
        return offset

    if not (n_w >= PARALLEL_MIN_WORKERS if halves is None else halves):
        offset = count(0, n_w)
        worker, order, metres = (np.empty(int(offset[-1]), dtype=np.int64) for _ in range(3))
        eligible_pass(*[*kernel_args(0, n_w), True, offset, worker, order, metres])
        return Candidates(worker=worker, order=order, distance_m=metres)
    # The kernel releases the GIL: the two halves of the workers run on two cores, each
    # counting its pairs and then writing them straight into its part of one set of
    # arrays (joining two sets would copy every pair into fresh memory: 0.6 s on a city).
    ranges = ((0, n_w // 2), (n_w // 2, n_w))
    with ThreadPoolExecutor(2) as pool:
        offsets = list(pool.map(lambda r: count(*r), ranges))
        sizes = [int(offset[-1]) for offset in offsets]
        worker, order, metres = (np.empty(sum(sizes), dtype=np.int64) for _ in range(3))
        parts = ((0, sizes[0]), (sizes[0], sizes[0] + sizes[1]))

        def fill(half: int) -> None:
            a, b = parts[half]
            outputs = (offsets[half], worker[a:b], order[a:b], metres[a:b])
            eligible_pass(*[*kernel_args(*ranges[half]), True, *outputs])

        list(pool.map(fill, (0, 1)))
    return Candidates(worker=worker, order=order, distance_m=metres)


@dataclass(frozen=True, slots=True, eq=False)
class PairStatus:
    """Per-pair eligibility detail for a few chosen pairs (pins, explanations, recommend)."""

    skilled: BoolArray
    near: BoolArray
    available: BoolArray
    allowed: BoolArray
    distance: FloatArray

    @property
    def eligible(self) -> BoolArray:
        """Pairs that pass every rule."""
        return self.skilled & self.near & self.available & self.allowed


def check_pairs(ix: Indexed, worker: IntArray, order: IntArray, *, skill_known: bool = False) -> PairStatus:
    """Evaluate each eligibility rule separately on the given pairs.

    ``skill_known`` skips the per-pair skill test when the caller took the workers from
    the order's skill bucket (the test is a Python loop).
    """
    worker, order = worker.astype(np.int64, copy=False), order.astype(np.int64, copy=False)
    if skill_known:
        skilled = np.ones(worker.shape[0], dtype=np.bool_)
    else:
        skilled = np.array(
            [ix.orders[o].skill in ix.workers[w].skills for w, o in zip(worker.tolist(), order.tolist(), strict=True)],
            dtype=np.bool_,
        )
    dist = great_circle_pairs(ix.worker_trig, worker, ix.order_trig, order)
    available = (ix.worker_from[worker] <= ix.order_start[order]) & (ix.order_end[order] <= ix.worker_until[worker])
    allowed = ~np.isin(ix.pair_keys(worker, order), ix.forbidden_keys)
    return PairStatus(skilled, dist <= ix.worker_limit[worker], available, allowed, dist)
