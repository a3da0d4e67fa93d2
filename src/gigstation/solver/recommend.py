"""Rank workers for one order, with what taking each of them would cost elsewhere.

The cost is exact and cheap: the instance is cut down to the connected component of
the order in the candidate graph (nothing outside it can change), solved once as is
and once per eligible worker with that pair pinned. The difference of the two optima
is the ``loss``: slots lost, priority lost, extra metres elsewhere.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gigstation.solver.api import solve
from gigstation.solver.candidates import Indexed, candidates, check_pairs, index_instance
from gigstation.solver.errors import InvalidPin, UnknownOrder
from gigstation.solver.models import IneligibleReason, Instance, Mode, Objective, Pair, Recommendation

__all__ = ["recommend"]


def _component(ix: Indexed, order: int) -> tuple[set[str], set[str]]:
    """Worker and order ids connected to ``order`` through eligible pairs."""
    cand = candidates(ix)
    n_w, n_o = len(ix.workers), len(ix.orders)
    graph = coo_matrix(
        (np.ones(len(cand), dtype=np.int8), (cand.worker, cand.order + n_w)), shape=(n_w + n_o, n_w + n_o)
    )
    _, label = connected_components(graph, directed=False)
    mine = label == label[n_w + order]
    workers = {ix.workers[i].id for i in np.flatnonzero(mine[:n_w]).tolist()}
    orders = {ix.orders[j].id for j in np.flatnonzero(mine[n_w:]).tolist()}
    return workers, orders


def _sub_instance(instance: Instance, workers: set[str], orders: set[str]) -> Instance:
    return Instance(
        workers=[w for w in instance.workers if w.id in workers],
        orders=[o for o in instance.orders if o.id in orders],
        params=instance.params,
        pinned=[p for p in instance.pinned if p.worker_id in workers and p.order_id in orders],
        forbidden=[p for p in instance.forbidden if p.worker_id in workers and p.order_id in orders],
    )


def _ineligible_reason(skilled: bool, near: bool, available: bool) -> IneligibleReason:
    if not skilled:
        return "no_skill"
    if not near:
        return "too_far"
    return "not_available" if not available else "forbidden"


def recommend(
    instance: Instance, order_id: str, mode: Mode = "quick", limit: int = 10, time_limit_s: float = 10.0
) -> list[Recommendation]:
    """Up to ``limit`` workers with the order's skill, best first.

    Eligible workers come first, ranked by least ``loss``, then higher priority, then
    nearer; skilled but ineligible workers fill the rest, nearest first, with the reason.
    """
    ix = index_instance(instance)
    order = ix.order_index.get(order_id)
    if order is None:
        raise UnknownOrder(f"unknown order {order_id!r}")
    skilled = ix.workers_by_skill.get(ix.orders[order].skill, np.zeros(0, dtype=np.int64))
    status = check_pairs(ix, skilled, np.full(skilled.shape[0], order, dtype=np.int64), skill_known=True)
    comp_workers, comp_orders = _component(ix, order)
    sub = _sub_instance(instance, comp_workers, comp_orders)
    base = solve(sub, mode, time_limit_s)
    placed: dict[str, list[str]] = {}
    for a in base.assignments:
        placed.setdefault(a.worker_id, []).append(a.order_id)

    eligible: list[tuple[tuple[int, int, int, int, int, int, str], Recommendation]] = []
    ineligible: list[tuple[float, str, Recommendation]] = []
    for k, w in enumerate(skilled.tolist()):
        worker = ix.workers[w]
        mine = placed.get(worker.id, [])
        distance = round(float(status.distance[k]))
        if not status.eligible[k]:
            reason = _ineligible_reason(True, bool(status.near[k]), bool(status.available[k]))
            rec = Recommendation(worker.id, distance, worker.priority, False, reason, False, [], None, None)
            ineligible.append((float(status.distance[k]), worker.id, rec))
            continue
        forced: Objective | None = base.objective
        if order_id not in mine:
            pinned = Instance(
                sub.workers, sub.orders, sub.params, [*sub.pinned, Pair(worker.id, order_id)], sub.forbidden
            )
            try:
                forced = solve(pinned, mode, time_limit_s).objective
            except InvalidPin:
                forced = None  # already pinned elsewhere, or the order's pins fill it
        loss = None
        if forced is not None:
            loss = Objective(
                filled=base.objective.filled - forced.filled,
                priority=base.objective.priority - forced.priority,
                distance_m=forced.distance_m - base.objective.distance_m,
            )
        rec = Recommendation(
            worker_id=worker.id,
            distance_m=distance,
            priority=worker.priority,
            eligible=True,
            ineligible_reason=None,
            assigned_here=order_id in mine,
            assigned_elsewhere=sorted(o for o in mine if o != order_id),
            forced_objective=forced,
            loss=loss,
        )
        # Unpinnable workers rank last among the eligible.
        rank = (1, 0, 0, 0) if loss is None else (0, loss.filled, loss.priority, loss.distance_m)
        eligible.append(((*rank, -worker.priority, distance, worker.id), rec))
    eligible.sort(key=lambda item: item[0])
    ineligible.sort(key=lambda item: (item[0], item[1]))
    ranked = [rec for _, rec in eligible] + [rec for _, _, rec in ineligible]
    return ranked[:limit]
