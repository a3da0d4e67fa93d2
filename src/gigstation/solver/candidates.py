"""Eligible (worker, order) pairs, generated without looking at every pair.

Workers are bucketed by skill and, within a skill, by the power of two of their
distance limit; each bucket is a KD-tree over 3-D unit vectors, queried against the
orders of that skill with the bucket's largest limit as the radius. Only pairs the tree
returns are filtered, vectorised, by time window, exact great-circle distance and
forbids, so the cost grows with the number of nearby skilled pairs rather than with
workers x orders. The limit classes bound the wasted radius to a factor of two.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from gigstation.solver.distance import EARTH_RADIUS_M, Trig, great_circle_pairs, unit_vectors
from gigstation.solver.models import Instance, Order, Worker

__all__ = ["Candidates", "Indexed", "PairStatus", "candidates", "check_pairs", "index_instance"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Below this many workers in a skill bucket, one KD-tree beats several limit classes.
_SPLIT_CLASSES_FROM = 1000


def _micros(moment: datetime) -> int:
    # Integer microseconds. A float timestamp has ~0.2 us resolution in this century, so
    # rounding it is exact and several times cheaper than timedelta arithmetic.
    return round(moment.timestamp() * 1_000_000)


def _micros_array(moments: list[datetime]) -> IntArray:
    """``_micros`` of each moment; windows repeat (whole hours), so each distinct one is converted once."""
    seen: dict[datetime, int] = {}
    out = []
    for moment in moments:
        value = seen.get(moment)
        if value is None:
            value = seen[moment] = _micros(moment)
        out.append(value)
    return np.array(out, dtype=np.int64)


@dataclass(frozen=True, slots=True, eq=False)
class Indexed:
    """An instance sorted by id and laid out as arrays; index i means the i-th sorted id."""

    workers: list[Worker]
    orders: list[Order]
    worker_index: dict[str, int]
    order_index: dict[str, int]
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
    workers_by_skill: dict[str, IntArray]
    orders_by_skill: dict[str, IntArray]
    forbidden_keys: IntArray
    worker_trig: Trig
    order_trig: Trig

    def pair_keys(self, worker: IntArray, order: IntArray) -> IntArray:
        """One int64 per pair, for set operations on pairs."""
        return worker.astype(np.int64) * max(len(self.orders), 1) + order.astype(np.int64)


def index_instance(instance: Instance) -> Indexed:
    """Sort an instance by id and extract the arrays the solver works on."""
    workers = sorted(instance.workers, key=lambda w: w.id)
    orders = sorted(instance.orders, key=lambda o: o.id)
    cap = instance.params.max_distance_m
    limit = np.array([w.max_distance_m for w in workers], dtype=np.float64)
    if cap is not None:
        limit = np.minimum(limit, cap)
    by_skill: defaultdict[str, list[int]] = defaultdict(list)
    for i, w in enumerate(workers):
        for skill in sorted(set(w.skills)):
            by_skill[skill].append(i)
    orders_skill: defaultdict[str, list[int]] = defaultdict(list)
    for j, o in enumerate(orders):
        orders_skill[o.skill].append(j)
    worker_index = {w.id: i for i, w in enumerate(workers)}
    order_index = {o.id: j for j, o in enumerate(orders)}
    known = [
        (worker_index[p.worker_id], order_index[p.order_id])
        for p in instance.forbidden
        # Forbids naming absent workers or orders cannot matter; dispatch may send stale ones.
        if p.worker_id in worker_index and p.order_id in order_index
    ]
    n_orders = max(len(orders), 1)
    forbidden = np.unique(np.array([w * n_orders + o for w, o in known], dtype=np.int64))
    return Indexed(
        workers=workers,
        orders=orders,
        worker_index=worker_index,
        order_index=order_index,
        worker_lat=np.array([w.lat for w in workers], dtype=np.float64),
        worker_lon=np.array([w.lon for w in workers], dtype=np.float64),
        worker_from=_micros_array([w.available_from for w in workers]),
        worker_until=_micros_array([w.available_until for w in workers]),
        worker_limit=limit,
        worker_priority=np.array([w.priority for w in workers], dtype=np.int64),
        order_lat=np.array([o.lat for o in orders], dtype=np.float64),
        order_lon=np.array([o.lon for o in orders], dtype=np.float64),
        order_start=_micros_array([o.starts_at for o in orders]),
        order_end=_micros_array([o.ends_at for o in orders]),
        headcount=np.array([o.headcount for o in orders], dtype=np.int64),
        workers_by_skill={k: np.array(v, dtype=np.int64) for k, v in by_skill.items()},
        orders_by_skill={k: np.array(v, dtype=np.int64) for k, v in orders_skill.items()},
        forbidden_keys=forbidden,
        worker_trig=Trig.of([w.lat for w in workers], [w.lon for w in workers]),
        order_trig=Trig.of([o.lat for o in orders], [o.lon for o in orders]),
    )


@dataclass(frozen=True, slots=True, eq=False)
class Candidates:
    """Eligible pairs as parallel arrays; ``distance_m`` is rounded once, here."""

    worker: IntArray
    order: IntArray
    distance_m: IntArray

    def __len__(self) -> int:
        return int(self.worker.shape[0])


def _chord(radius_m: float) -> float:
    angle = min(radius_m / EARTH_RADIUS_M, np.pi)
    # Inflate slightly so float error in the tree never drops a pair the exact test keeps.
    return float(2.0 * np.sin(angle / 2.0) * (1.0 + 1e-9) + 1e-12)


def _filter(ix: Indexed, worker: IntArray, order: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Keep pairs that fit the time window, the distance limits and are not forbidden."""
    keep = (ix.worker_from[worker] <= ix.order_start[order]) & (ix.order_end[order] <= ix.worker_until[worker])
    if ix.forbidden_keys.size:
        keep &= ~np.isin(ix.pair_keys(worker, order), ix.forbidden_keys)
    worker, order = worker[keep], order[keep]
    dist = great_circle_pairs(ix.worker_trig, worker, ix.order_trig, order)
    near = dist <= ix.worker_limit[worker]
    return worker[near], order[near], dist[near]


# Up to this many same-skill pairs, testing them all beats building KD-trees.
_DENSE_PAIRS = 300_000


def _dense(ix: Indexed, skills: list[str]) -> Candidates:
    """Every same-skill pair tested directly (small instances): one vectorised filter."""
    parts_w: list[IntArray] = []
    parts_o: list[IntArray] = []
    for skill in skills:
        skilled, orders = ix.workers_by_skill[skill], ix.orders_by_skill[skill]
        parts_w.append(np.repeat(skilled, orders.shape[0]))
        parts_o.append(np.tile(orders, skilled.shape[0]))
    w, o, d = _filter(ix, np.concatenate(parts_w), np.concatenate(parts_o))
    return Candidates(
        worker=w.astype(np.int64, copy=False),
        order=o.astype(np.int64, copy=False),
        distance_m=np.rint(d).astype(np.int64),
    )


def candidates(ix: Indexed) -> Candidates:
    """Every eligible pair: small instances by testing every same-skill pair (ordered by skill,
    then worker), others by skill, then limit class, then KD-tree order."""
    skills = [k for k in sorted(ix.orders_by_skill) if k in ix.workers_by_skill]
    same_skill = sum(ix.workers_by_skill[k].shape[0] * ix.orders_by_skill[k].shape[0] for k in skills)
    if 0 < same_skill <= _DENSE_PAIRS:
        return _dense(ix, skills)
    worker_xyz = unit_vectors(ix.worker_lat, ix.worker_lon)
    order_xyz = unit_vectors(ix.order_lat, ix.order_lon)
    parts_w: list[IntArray] = []
    parts_o: list[IntArray] = []
    parts_d: list[FloatArray] = []
    for skill in sorted(ix.orders_by_skill):
        skilled = ix.workers_by_skill.get(skill)
        if skilled is None:
            continue
        orders = ix.orders_by_skill[skill]
        order_tree = cKDTree(order_xyz[orders])
        limits = ix.worker_limit[skilled]
        klass = np.ceil(np.log2(np.maximum(limits, 1.0))).astype(np.int64)
        if skilled.shape[0] < _SPLIT_CLASSES_FROM:
            klass[:] = 0
        for k in np.unique(klass):
            members = skilled[klass == k]
            radius = float(ix.worker_limit[members].max())
            tree = cKDTree(worker_xyz[members])
            near = order_tree.sparse_distance_matrix(tree, _chord(radius), output_type="ndarray")
            w, o, d = _filter(ix, members[near["j"]], orders[near["i"]])
            parts_w.append(w)
            parts_o.append(o)
            parts_d.append(d)
    if not parts_w:
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(empty, empty.copy(), empty.copy())
    return Candidates(
        # copy=False: the parts are int64 already, so a city does not hold two copies.
        worker=np.concatenate(parts_w).astype(np.int64, copy=False),
        order=np.concatenate(parts_o).astype(np.int64, copy=False),
        distance_m=np.rint(np.concatenate(parts_d)).astype(np.int64),
    )


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
