"""Lexicographic CP-SAT on candidate edges: solve a level, fix it, solve the next.

Each level first goes through its LP relaxation (see ``lp``): the rounded LP optimum
is the incumbent and hint, reduced costs fix variables, and when the incumbent meets
the LP bound the level is proven without search.

Used by day mode and as quick mode's fallback when a single weighted flow cost could
overflow int64. Three staged solves keep every coefficient small (at most the largest
priority or distance), so no weight has to dominate anything.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from gigstation.solver.lp import LpStage, complete_greedily, solve_lp_stage

__all__ = ["CpResult", "solve_lexicographic"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class CpResult:
    """Chosen edges; ``bound`` is a lexicographic bound as (filled, priority, distance)."""

    selected: BoolArray
    optimal: bool
    bound: tuple[int, int, int]


def solve_lexicographic(
    order: IntArray,
    capacity: IntArray,
    priority: IntArray,
    distance: IntArray,
    groups: list[IntArray],
    pinned: IntArray,
    hint: BoolArray,
    time_limit_s: float,
    use_lp: bool = True,
) -> CpResult:
    """Best edges under order capacities and at-most-one groups, level by level.

    ``capacity`` is indexed by the values in ``order``; every edge in ``pinned`` is forced
    in; ``hint`` must be feasible, and is returned if no stage finds anything better.
    """
    deadline = time.monotonic() + time_limit_s
    n = int(order.shape[0])
    model = cp_model.CpModel()
    # Variables are created first and in edge order, so index e in the response is edge e.
    x = [model.new_bool_var(f"edge_{e}") for e in range(n)]

    # An order takes at most its headcount.
    by_order = np.argsort(order, kind="stable")
    bounds = np.flatnonzero(np.diff(order[by_order])) + 1
    for chunk in np.split(by_order, bounds) if n else []:
        model.add(sum(x[e] for e in chunk.tolist()) <= int(capacity[order[chunk[0]]]))
    # A worker takes at most one edge of each group of mutually exclusive edges.
    for group in groups:
        if group.shape[0] > 1:
            model.add_at_most_one(x[e] for e in group.tolist())
    # Pinned pairs are in every solution.
    for e in pinned.tolist():
        model.add(x[e] == 1)

    # Every level is maximised: slots, priority, and minus the distance.
    coeffs: list[list[int]] = [[1] * n, priority.tolist(), (-distance).tolist()]
    levels = [cp_model.LinearExpr.weighted_sum(x, c) for c in coeffs]
    edge_groups: list[list[int]] = [[] for _ in range(n)]
    for g, group in enumerate(groups):
        for e in group.tolist():
            edge_groups[e].append(g)
    best = hint.copy()
    proven: list[int] = []
    stop_bound: float | None = None
    for level, expr in enumerate(levels):
        if deadline - time.monotonic() <= 0:
            break
        weights = np.asarray(coeffs[level], dtype=np.int64)
        fixed = [(coeffs[k], proven[k]) for k in range(level)]
        lp = solve_lp_stage(order, capacity, groups, pinned, fixed, coeffs[level]) if use_lp else None
        lp_proved = False
        if lp is not None:
            best = _better_rounding(lp, best, weights, coeffs, proven, order, capacity, edge_groups)
            incumbent = int(weights[best].sum())
            _fix_by_reduced_cost(model, x, lp, incumbent)
            # The incumbent reaches the LP bound (values are integers): optimal without search.
            lp_proved = incumbent >= np.floor(lp.value + 1e-6 + 1e-9 * abs(lp.value))
        if lp_proved:
            value = int(weights[best].sum())
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                stop_bound = None if lp is None else lp.value
                break
            model.maximize(expr)
            model.clear_hints()  # type: ignore[no-untyped-call]
            for e, v in enumerate(best.tolist()):
                model.add_hint(x[e], v)
            solver = cp_model.CpSolver()
            # One worker with a fixed seed is deterministic; level 2 linearisation gives the
            # LP relaxation that proves assignment-like models quickly.
            solver.parameters.num_workers = 1
            solver.parameters.random_seed = 0
            solver.parameters.linearization_level = 2
            solver.parameters.max_time_in_seconds = remaining
            status = solver.solve(model)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                found = np.asarray(solver.response_proto.solution, dtype=np.int64)[:n].astype(np.bool_)
                if int(weights[found].sum()) >= int(weights[best].sum()):
                    best = found
            if status != cp_model.OPTIMAL:
                # Without a solution CP-SAT's bound is not meaningful; the LP bound always is.
                stop_bound = solver.best_objective_bound if status == cp_model.FEASIBLE else None
                if lp is not None:
                    stop_bound = lp.value if stop_bound is None else min(stop_bound, lp.value)
                break
            value = round(solver.objective_value)
        proven.append(value)
        model.add(expr == value)
    if len(proven) == 3:
        return CpResult(best, True, (proven[0], proven[1], -proven[2]))
    return CpResult(best, False, _bound(proven, stop_bound, n, priority, capacity))


def _bound(
    proven: list[int], stop_bound: float | None, n: int, priority: IntArray, capacity: IntArray
) -> tuple[int, int, int]:
    """Proven levels, then the bound at the level where the search stopped, then trivial bounds.

    Levels are maximised internally (distance negated); the returned distance is a lower bound.
    """
    top_priority = int(priority.max()) if n else 0
    stopped = None if stop_bound is None else np.floor(stop_bound + 1e-6)
    trivial_filled = min(n, int(capacity.sum()))
    filled = trivial_filled if stopped is None else min(int(stopped), trivial_filled)
    if proven:
        filled = proven[0]
    if len(proven) >= 2:
        prio = proven[1]
    elif len(proven) == 1 and stopped is not None:
        prio = min(int(stopped), filled * top_priority)
    else:
        prio = filled * top_priority
    dist = 0
    if len(proven) == 2 and stopped is not None:
        dist = max(-int(stopped), 0)
    return (filled, prio, dist)


def _levels(chosen: BoolArray, coeffs: list[list[int]]) -> list[int]:
    return [int(np.asarray(c, dtype=np.int64)[chosen].sum()) for c in coeffs]


def _better_rounding(
    lp: LpStage,
    best: BoolArray,
    weights: IntArray,
    coeffs: list[list[int]],
    proven: list[int],
    order: IntArray,
    capacity: IntArray,
    edge_groups: list[list[int]],
) -> BoolArray:
    """Round the LP optimum (keep its ones, then add edges by LP value) if it beats ``best``."""
    scale = float(np.abs(weights).max()) if weights.size else 1.0
    scale = scale or 1.0
    rounded = complete_greedily(lp.x > 1 - 1e-6, lp.x + 1e-3 * weights / scale, order, capacity, edge_groups)
    if _levels(rounded, coeffs)[: len(proven)] != proven:
        return best
    return rounded if int(weights[rounded].sum()) > int(weights[best].sum()) else best


def _fix_by_reduced_cost(model: cp_model.CpModel, x: list[cp_model.IntVar], lp: LpStage, incumbent: int) -> None:
    """Fix variables whose flip would make this level strictly worse than ``incumbent`` (see ``lp``)."""
    margin = 0.5 + 1e-7 * abs(lp.value)
    limit = lp.value - incumbent + margin
    at_zero = np.flatnonzero((lp.x < 1e-9) & (-lp.reduced_cost > limit))
    at_one = np.flatnonzero((lp.x > 1 - 1e-9) & (lp.reduced_cost > limit))
    for e in at_zero.tolist():
        model.add(x[e] == 0)
    for e in at_one.tolist():
        model.add(x[e] == 1)
