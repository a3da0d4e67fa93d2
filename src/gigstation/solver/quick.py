"""Quick mode: each worker fills at most one slot; the exact lexicographic optimum.

Pins are fixed first (their workers leave, their orders lose slots). The default path
is the full candidate graph through ``flow.max_flow_lexicographic``: the compiled engine
(``engine``, proven by its own integer certificate) up to ``compiled_max_pairs`` pairs,
the cost-scaling engine (``scaled``, the same certificate) from ``cost_scaling_min_pairs``,
the OR-Tools flow in between or when an engine gives up (the fastest proven paths
measured, see solver/RESULTS.md). ``FlowOptions(pricing=True)`` opts into
``pricing`` (a sparse subset, proven optimal over every pair by LP duality); its answer
is accepted only when its priority sum equals P*, the best possible (``flow``'s
``best_priority``): the small-weight cost it minimises then orders solutions
lexicographically (see ``flow._flow_component``). When pricing gives up, the full graph
is used.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigstation.solver.candidates import Candidates, Indexed
from gigstation.solver.chosen import Chosen
from gigstation.solver.flow import FlowOptions, FlowResult, _compact, best_priority, max_flow_lexicographic
from gigstation.solver.pins import Pins
from gigstation.solver.pricing import PricingResult, solve_by_pricing

__all__ = ["FlowOptions", "FlowResult", "max_flow_lexicographic", "solve_quick", "solve_quick_priced"]

IntArray = npt.NDArray[np.int64]
_best_priority = best_priority  # kept importable under the old name
__all__ += ["_best_priority", "_compact"]


def _proven_by_pricing(
    worker: IntArray,
    order: IntArray,
    priority: IntArray,
    distance: IntArray,
    capacity: IntArray,
    n_workers: int,
    rounds: int,
) -> PricingResult | None:
    """The pricing answer if it is the lexicographic optimum, else None."""
    priced = solve_by_pricing(worker, order, priority, distance, capacity, n_workers, rounds)
    if priced is None or not priced.selected.any():
        return priced
    filled = int(priced.selected.sum())
    n_orders = int(capacity.shape[0])
    if int(priority[priced.selected].sum()) != best_priority(
        worker, order, priority, capacity, n_workers, n_orders, filled
    ):
        return None
    return priced


def solve_quick_priced(
    ix: Indexed, cand: Candidates, pins: Pins, time_limit_s: float = 10.0, opts: FlowOptions | None = None
) -> tuple[Chosen, PricingResult | None]:
    """``solve_quick`` that also returns the pricing statistics (None when the full graph was used)."""
    opts = opts or FlowOptions()
    capacity = ix.headcount - pins.per_order(len(ix.orders))
    keep = None  # every pair: no pins and every order with a slot (the usual case), so no copies
    if len(pins.worker) or (capacity <= 0).any():
        pinned_worker = np.zeros(len(ix.workers), dtype=np.bool_)
        pinned_worker[pins.worker] = True
        keep = np.flatnonzero(~pinned_worker[cand.worker] & (capacity[cand.order] > 0))
    if keep is None:
        worker, order, distance = cand.worker, cand.order, cand.distance_m
    else:
        worker, order, distance = cand.worker[keep], cand.order[keep], cand.distance_m[keep]
    priority = ix.worker_priority[worker]
    priced = None
    if opts.pricing:
        priced = _proven_by_pricing(
            worker, order, priority, distance, capacity, len(ix.workers), opts.max_pricing_rounds
        )
    if priced is not None:
        selected, optimal = priced.selected, True
        bound = (int(selected.sum()), int(priority[selected].sum()), int(distance[selected].sum()))
    else:
        result = max_flow_lexicographic(worker, order, priority, distance, capacity, time_limit_s, opts)
        selected, optimal, bound = result.selected, result.optimal, result.bound
    edges = np.flatnonzero(selected) if keep is None else keep[selected]
    pin_part = (len(pins.worker), int(ix.worker_priority[pins.worker].sum()), int(pins.distance_m.sum()))
    chosen = Chosen(
        worker=np.concatenate([pins.worker, cand.worker[edges]]),
        order=np.concatenate([pins.order, cand.order[edges]]),
        distance_m=np.concatenate([pins.distance_m, cand.distance_m[edges]]),
        optimal=optimal,
        bound=(pin_part[0] + bound[0], pin_part[1] + bound[1], pin_part[2] + bound[2]),
    )
    return chosen, priced


def solve_quick(
    ix: Indexed, cand: Candidates, pins: Pins, time_limit_s: float = 10.0, opts: FlowOptions | None = None
) -> Chosen:
    """Quick mode's lexicographic optimum (see the module docstring for the two paths)."""
    return solve_quick_priced(ix, cand, pins, time_limit_s, opts)[0]
