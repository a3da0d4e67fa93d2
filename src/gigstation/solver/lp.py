"""LP relaxation (GLOP) of a lexicographic stage: a strong incumbent and reduced-cost fixing.

On day-mode instances the LP relaxation is nearly integral, while CP-SAT's own search
finds poor solutions. So each stage first solves the LP, rounds it to a feasible
incumbent, and fixes every variable whose reduced cost proves that flipping it makes
the stage objective strictly worse than the incumbent. Strictly: solutions tied with
the incumbent are kept, so later tie-break levels are not cut off.

Fixing rule (maximisation, LP optimum z, incumbent value v, reduced cost d_j): any
solution with x_j = 1 - (x_j's LP value at a bound) has objective <= z - |d_j|; when
that is below v - margin it is strictly worse than v, so x_j keeps its bound value.
``margin`` absorbs GLOP's floating-point tolerances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp

__all__ = ["LpStage", "complete_greedily", "solve_lp_stage"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class LpStage:
    """LP optimum value, primal values and reduced costs of one stage."""

    value: float
    x: FloatArray
    reduced_cost: FloatArray


def solve_lp_stage(
    order: IntArray,
    capacity: IntArray,
    groups: list[IntArray],
    pinned: IntArray,
    fixed_levels: list[tuple[list[int], int]],
    objective: list[int],
) -> LpStage | None:
    """Maximise ``objective`` over the LP relaxation with earlier levels held at their optimum."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    n = int(order.shape[0])
    lower = np.zeros(n)
    lower[pinned] = 1.0
    x = [solver.NumVar(float(lower[e]), 1.0, f"edge_{e}") for e in range(n)]
    by_order = np.argsort(order, kind="stable")
    for chunk in np.split(by_order, np.flatnonzero(np.diff(order[by_order])) + 1) if n else []:
        row = solver.Constraint(-solver.infinity(), float(capacity[order[chunk[0]]]))
        for e in chunk.tolist():
            row.SetCoefficient(x[e], 1.0)
    for group in groups:
        row = solver.Constraint(-solver.infinity(), 1.0)
        for e in group.tolist():
            row.SetCoefficient(x[e], 1.0)
    for coeffs, value in fixed_levels:
        row = solver.Constraint(float(value), float(value))
        for e, c in enumerate(coeffs):
            if c:
                row.SetCoefficient(x[e], float(c))
    goal = solver.Objective()
    for e, c in enumerate(objective):
        if c:
            goal.SetCoefficient(x[e], float(c))
    goal.SetMaximization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    values = np.array([v.solution_value() for v in x], dtype=np.float64)
    reduced = np.array([v.reduced_cost() for v in x], dtype=np.float64)
    return LpStage(float(goal.Value()), values, reduced)


def complete_greedily(
    start: BoolArray, preference: FloatArray, order: IntArray, capacity: IntArray, edge_groups: list[list[int]]
) -> BoolArray:
    """Add edges in ``preference`` order (highest first) while order capacity and groups allow."""
    chosen = start.copy()
    used = np.bincount(order[chosen], minlength=int(capacity.shape[0])).astype(np.int64)
    n_groups = 1 + max((g for gs in edge_groups for g in gs), default=-1)
    taken = np.zeros(n_groups, dtype=np.bool_)
    for e in np.flatnonzero(chosen).tolist():
        taken[edge_groups[e]] = True
    for e in np.argsort(-preference, kind="stable").tolist():
        if chosen[e] or used[order[e]] >= capacity[order[e]] or taken[edge_groups[e]].any():
            continue
        chosen[e] = True
        used[order[e]] += 1
        taken[edge_groups[e]] = True
    return chosen
