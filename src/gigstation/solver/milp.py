"""Day mode's exact engine: LP duals, a certified bound and a reduced-cost neighbourhood MILP (HiGHS).

Model: one binary per candidate edge; each order takes at most its headcount; each
group (a worker's orders running at one time point, a clique of the interval graph)
takes at most one edge; pinned edges are 1. Two stages, each proven:

1. ``filled`` and ``priority`` together: maximise sum of (B + priority) with
   B = (largest priority) * (most slots that can be filled) + 1, so one more slot
   outweighs any priority sum. On day instances this LP is integral.
2. ``distance``: minimise it with stage 1's value held as an equality.

Each stage solves the LP (HiGHS dual simplex via ``scipy.optimize.linprog``) and turns
its duals y >= 0 into a bound U that does not trust the LP solver's tolerances (weak
duality, recomputed here in float64): U = b.y + e.z + sum_j max over x_j in [lo_j, hi_j]
of d_j x_j, with reduced costs d = c - A'y - E'z. Any solution with x_j away from the
bound d_j points to has value <= U - |d_j|. So when a solution of value I is known,
every solution at least as good as I keeps x_j at that bound whenever |d_j| > U - I.
The stage therefore solves a MILP (HiGHS, gap 0) only over the edges with |d_j| <= tau,
the others held at their bounds; if its optimum I satisfies U - I <= tau, no solution
outside the neighbourhood can match it, so I is the stage optimum, and the set of all
optimal solutions lies inside the neighbourhood (ties are kept for the next stage).
Otherwise tau grows and the MILP runs again. The answer is re-checked in exact integer
arithmetic; any doubt returns None and day mode falls back to staged CP-SAT.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csc_matrix, csr_matrix

__all__ = ["MilpResult", "solve_levels_milp"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

# Stage values must stay exactly representable with room for LP arithmetic.
_MAX_VALUE = 2.0**50
# Size of the first neighbourhood (edges with the smallest reduced costs).
_FIRST_NEIGHBOURHOOD = 3000


@dataclass(frozen=True, slots=True, eq=False)
class MilpResult:
    """Chosen edges; ``bound`` is a lexicographic bound (filled, priority, distance)."""

    selected: BoolArray
    optimal: bool
    bound: tuple[int, int, int]
    milp_vars: tuple[int, ...]


@dataclass(frozen=True, slots=True, eq=False)
class _Stage:
    value: int
    x: BoolArray
    bound: float
    d: FloatArray
    proven: bool
    milp_vars: int


class _Model:
    """Rows A x <= b (orders, groups), optional equality rows E x = e, bounds lo <= x <= 1."""

    def __init__(self, order: IntArray, capacity: IntArray, groups: list[IntArray], pinned: IntArray) -> None:
        n = int(order.shape[0])
        sizes = np.array([g.shape[0] for g in groups], dtype=np.int64)
        n_orders = int(capacity.shape[0])
        rows = np.concatenate([order, n_orders + np.repeat(np.arange(len(groups)), sizes)])
        cols = np.concatenate([np.arange(n, dtype=np.int64), *groups])
        self.a = csr_matrix((np.ones(rows.shape[0]), (rows, cols)), shape=(n_orders + len(groups), n))
        self.b = np.concatenate([capacity, np.ones(len(groups), dtype=np.int64)]).astype(np.float64)
        self.lo = np.zeros(n)
        self.lo[pinned] = 1.0
        self.order, self.capacity, self.groups = order, capacity, groups

    def feasible(self, x: BoolArray) -> bool:
        """Exact integer check of a 0/1 vector."""
        if not x[self.lo > 0].all():
            return False
        if (np.bincount(self.order[x], minlength=self.capacity.shape[0]) > self.capacity).any():
            return False
        return all(int(x[g].sum()) <= 1 for g in self.groups)


def _certified_bound(
    c: FloatArray, m: _Model, eq: FloatArray | None, e: float, lo: FloatArray, hi: FloatArray, res: object
) -> tuple[float, FloatArray]:
    """Weak-duality bound of max c.x from the LP's duals (any y >= 0 gives a valid bound)."""
    y = np.maximum(-np.asarray(res.ineqlin.marginals, dtype=np.float64), 0.0)  # type: ignore[attr-defined]
    d = c - m.a.T @ y
    bound = float(m.b @ y)
    if eq is not None:
        z = -float(res.eqlin.marginals[0])  # type: ignore[attr-defined]
        d = d - z * eq
        bound += z * e
    bound += float(np.where(d > 0, d * hi, d * lo).sum())
    return bound, d


def _stage(
    m: _Model,
    c_int: IntArray,
    eq_int: IntArray | None,
    eq_value: int,
    lo: FloatArray,
    hi: FloatArray,
    deadline: float,
    first_size: int,
) -> _Stage | None:
    """Maximise c.x (integers) over the model with bounds lo <= x <= hi and optionally eq.x = eq_value."""
    c = c_int.astype(np.float64)
    eq = None if eq_int is None else eq_int.astype(np.float64)
    a_eq = None if eq is None else eq[None, :]
    b_eq = None if eq is None else [float(eq_value)]
    res = linprog(-c, A_ub=m.a, b_ub=m.b, A_eq=a_eq, b_eq=b_eq, bounds=np.column_stack([lo, hi]), method="highs")
    if res.status != 0:
        return None
    bound, d = _certified_bound(c, m, eq, float(eq_value), lo, hi, res)
    tol = 1e-6 + 1e-9 * abs(bound)
    at = d > 0  # the bound each edge's reduced cost points to: hi if positive, else lo
    x_lp = np.asarray(res.x)
    best: BoolArray | None = None
    rounded = x_lp > 0.5
    if np.all(np.abs(x_lp - rounded) < 1e-6) and m.feasible(rounded) and _eq_ok(rounded, eq_int, eq_value):
        best = rounded
        if int(c_int[rounded].sum()) >= np.floor(bound + tol):
            return _Stage(int(c_int[rounded].sum()), rounded, bound, d, True, 0)
    n = int(c.shape[0])
    order_by = np.sort(np.abs(d))
    size = max(first_size, 1)
    tau = float(order_by[min(size, n - 1)]) + tol
    if best is not None:
        tau = max(tau, bound - int(c_int[best].sum()) + tol)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        free = (np.abs(d) <= tau) & (hi > lo)
        held = np.where(at, hi, lo)
        held[free] = 0.0
        found = _restricted_milp(m, c, eq, float(eq_value), lo, hi, free, held, remaining)
        if found is None:  # infeasible or stopped: widen (or give up when time is out)
            if deadline - time.monotonic() <= 0 or free.sum() == int((hi > lo).sum()):
                break
            size *= 4
            tau = max(4 * tau, float(order_by[min(size, n - 1)]) + tol)
            continue
        x, status_optimal = found
        if not (m.feasible(x) and _eq_ok(x, eq_int, eq_value)):
            return None
        value = int(c_int[x].sum())
        if best is None or value > int(c_int[best].sum()):
            best = x
        if not status_optimal:
            break
        if bound - value <= tau - tol or free.sum() == int((hi > lo).sum()):
            return _Stage(value, x, bound, d, True, int(free.sum()))
        # Grow the neighbourhood gradually: a far incumbent would otherwise ask for a huge one.
        size *= 2
        tau = min(bound - value + 2 * tol, max(float(order_by[min(size, n - 1)]) + tol, 2 * tau))
    if best is None:
        return _Stage(0, np.zeros(n, dtype=np.bool_), bound, d, False, 0)
    return _Stage(int(c_int[best].sum()), best, bound, d, False, 0)


def _eq_ok(x: BoolArray, eq_int: IntArray | None, eq_value: int) -> bool:
    return eq_int is None or int(eq_int[x].sum()) == eq_value


def _restricted_milp(
    m: _Model,
    c: FloatArray,
    eq: FloatArray | None,
    e: float,
    lo: FloatArray,
    hi: FloatArray,
    free: BoolArray,
    held: FloatArray,
    time_limit: float,
) -> tuple[BoolArray, bool] | None:
    """HiGHS MILP over the free edges, the others held at ``held``; (x, proven optimal) or None."""
    cols = np.flatnonzero(free)
    x = held > 0.5
    if cols.size == 0:
        return (x, True)
    a = csc_matrix(m.a)
    rhs = m.b - a @ held
    constraints = [LinearConstraint(a[:, cols], -np.inf, rhs)]
    if eq is not None:
        value = e - float(eq @ held)
        constraints.append(LinearConstraint(eq[cols][None, :], value, value))
    res = milp(
        -c[cols],
        constraints=constraints,
        integrality=np.ones(cols.size),
        bounds=Bounds(lo[cols], hi[cols]),
        options={"time_limit": max(time_limit, 0.01), "mip_rel_gap": 0.0, "presolve": True},
    )
    if res.x is None:
        return None
    x[cols] = np.asarray(res.x) > 0.5
    return (x, res.status == 0)


def solve_levels_milp(
    order: IntArray,
    capacity: IntArray,
    priority: IntArray,
    distance: IntArray,
    groups: list[IntArray],
    pinned: IntArray,
    time_limit_s: float,
    first_neighbourhood: int = _FIRST_NEIGHBOURHOOD,
) -> MilpResult | None:
    """Lexicographic optimum (filled, priority, distance) in two proven stages; None if numerics forbid."""
    deadline = time.monotonic() + time_limit_s
    n = int(order.shape[0])
    if n == 0:
        return MilpResult(np.zeros(0, dtype=np.bool_), True, (0, 0, 0), ())
    p_max = int(priority.max())
    used = np.unique(order)
    slots_ub = min(n, int(capacity[used].sum()))
    weight = p_max * slots_ub + 1
    if float(weight + p_max) * slots_ub >= _MAX_VALUE or float(distance.sum()) >= _MAX_VALUE:
        return None
    m = _Model(order, capacity, [g for g in groups if g.shape[0] > 1], pinned)
    c1 = weight + priority.astype(np.int64)
    hi = np.ones(n)
    first = _stage(m, c1, None, 0, m.lo, hi, deadline, first_neighbourhood)
    if first is None:
        return None
    if not first.proven:
        top = int(np.floor(first.bound + 1e-6))
        filled = min(top // weight, slots_ub)
        prio = top - filled * weight if filled == top // weight else filled * p_max
        return MilpResult(first.x, False, (filled, max(prio, 0), 0), (first.milp_vars,))
    v1 = first.value
    filled = int(first.x.sum())
    prio = v1 - weight * filled
    # Every optimum of stage 1 keeps the edges whose reduced cost exceeds its (zero) gap.
    tol = 1e-6 + 1e-9 * abs(first.bound)
    gap = first.bound - v1 + tol
    lo, hi = m.lo.copy(), hi.copy()
    lo[first.d > gap] = 1.0
    hi[first.d < -gap] = np.maximum(lo[first.d < -gap], 0.0)
    if (hi < lo).any():
        return None
    second = _stage(m, -distance.astype(np.int64), c1, v1, lo, hi, deadline, first_neighbourhood)
    if second is None:
        return None
    if not second.proven:
        dist_bound = max(int(np.ceil(-second.bound - 1e-6)), 0)
        return MilpResult(
            second.x if second.x.any() else first.x, False, (filled, prio, dist_bound), (first.milp_vars,)
        )
    x = second.x
    result = (int(x.sum()), int(priority[x].sum()), int(distance[x].sum()))
    if result[:2] != (filled, prio):
        return None
    return MilpResult(x, True, result, (first.milp_vars, second.milp_vars))
