"""The solver's entry point: ``solve(instance, mode, time_limit_s) -> Solution``.

Pure and deterministic: no I/O, no printing; inputs are sorted by id before anything
else, so the same instance (in any input order) gives the identical solution. The one
exception is a day-mode solve cut short by its time limit, whose incumbent depends on
how far the search got.
"""

from __future__ import annotations

import time

import numpy as np

from gigstation.solver.candidates import Candidates, Indexed, candidates, index_instance
from gigstation.solver.chosen import Chosen
from gigstation.solver.day import solve_day
from gigstation.solver.explain import explain_unfilled
from gigstation.solver.models import Assignment, Instance, Mode, Objective, Solution
from gigstation.solver.pins import validate_pins
from gigstation.solver.quick import FlowOptions, solve_quick

__all__ = ["solve"]


def solve(
    instance: Instance,
    mode: Mode = "quick",
    time_limit_s: float = 10.0,
    *,
    flow_options: FlowOptions | None = None,
) -> Solution:
    """Match workers to order slots, lexicographically best: filled, then priority, then distance.

    Raises ``InvalidPin`` when a pin cannot be honoured. ``time_limit_s`` bounds day
    mode's search (and quick mode's CP-SAT fallback, used only when flow costs could
    overflow); when it stops the search, ``optimal`` is False and ``bound`` is set.
    ``flow_options`` exists to measure the optimisations; leave it alone in production.
    """
    started = time.perf_counter()
    ix = index_instance(instance)
    pins = validate_pins(ix, instance.pinned, mode)
    cand = candidates(ix)
    if mode == "quick":
        chosen = solve_quick(ix, cand, pins, time_limit_s, flow_options)
    else:
        chosen = solve_day(ix, cand, pins, time_limit_s)
    return build_solution(ix, chosen, mode, started, cand)


def build_solution(ix: Indexed, chosen: Chosen, mode: Mode, started: float, cand: Candidates | None = None) -> Solution:
    """Turn chosen index pairs into a sorted ``Solution`` with reasons for empty slots."""
    perm = np.lexsort((chosen.worker, chosen.order))
    worker, order, dist = chosen.worker[perm], chosen.order[perm], chosen.distance_m[perm]
    # Ids from flat lists: reaching each struct's attribute in random order costs twice as much.
    worker_ids, order_ids = [w.id for w in ix.workers], [o.id for o in ix.orders]
    assignments = [
        Assignment(worker_ids[w], order_ids[o], d)
        for w, o, d in zip(worker.tolist(), order.tolist(), dist.tolist(), strict=True)
    ]
    objective = Objective(
        filled=len(assignments),
        priority=int(ix.worker_priority[worker].sum()),
        distance_m=int(dist.sum()),
    )
    bound = None if chosen.optimal else Objective(*chosen.bound)
    return Solution(
        assignments=assignments,
        unfilled=explain_unfilled(ix, worker, order, cand),
        objective=objective,
        optimal=chosen.optimal,
        solve_ms=round((time.perf_counter() - started) * 1000.0, 3),
        bound=bound,
        mode=mode,
    )
