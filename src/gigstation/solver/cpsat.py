"""Lexicographic CP-SAT on candidate edges: solve a level, fix it, solve the next.

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

    coeffs: list[list[int]] = [[1] * n, priority.tolist(), distance.tolist()]
    levels = [cp_model.LinearExpr.weighted_sum(x, c) for c in coeffs]
    best = hint.copy()
    proven: list[int] = []
    stop_bound: float | None = None
    for level, expr in enumerate(levels):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        if level < 2:
            model.maximize(expr)
        else:
            model.minimize(expr)
        model.clear_hints()  # type: ignore[no-untyped-call]
        for e, value in enumerate(best.tolist()):
            model.add_hint(x[e], value)
        solver = cp_model.CpSolver()
        # One worker with a fixed seed is deterministic; level 2 linearisation gives the
        # LP relaxation that proves assignment-like models quickly.
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 0
        solver.parameters.linearization_level = 2
        solver.parameters.max_time_in_seconds = remaining
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = np.asarray(solver.response_proto.solution, dtype=np.int64)[:n].astype(np.bool_)
        if status != cp_model.OPTIMAL:
            stop_bound = solver.best_objective_bound
            break
        value = round(solver.objective_value)
        proven.append(value)
        model.add(expr == value)
    if len(proven) == 3:
        return CpResult(best, True, (proven[0], proven[1], proven[2]))
    return CpResult(best, False, _bound(proven, stop_bound, n, priority))


def _bound(proven: list[int], stop_bound: float | None, n: int, priority: IntArray) -> tuple[int, int, int]:
    """Proven levels, then the solver's bound at the level it stopped, then trivial bounds."""
    top_priority = int(priority.max()) if n else 0
    filled = proven[0] if proven else int(np.floor(stop_bound + 1e-6)) if stop_bound is not None else n
    if len(proven) >= 2:
        prio = proven[1]
    elif len(proven) == 1 and stop_bound is not None:
        prio = int(np.floor(stop_bound + 1e-6))
    else:
        prio = filled * top_priority
    dist = int(np.ceil(stop_bound - 1e-6)) if len(proven) == 2 and stop_bound is not None else 0
    return (filled, prio, max(dist, 0))
