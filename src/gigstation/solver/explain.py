"""Why a slot stayed empty, by a fixed rule applied in this order.

For an order with missing slots, look at the workers who have its skill and do not
already fill one of its slots (they cannot fill a second one):

1. none at all                                                  -> ``no_skilled_worker``
2. none within distance (the worker's and the instance's limit) -> ``too_far``
3. none of those near ones is available for the whole window
   and permitted for the order (not forbidden)                  -> ``not_available``
4. otherwise eligible workers exist but fill other slots        -> ``taken_by_other_orders``

Forbidden pairs count as "not available for this order": the contract has no separate
reason for them. Rule 4 is exact for an optimal solution (a free eligible worker would
fill the slot); after a time-limited day solve it may also cover a worker the search
did not get to.

Rules 1-3 need no per-pair check when the candidate pairs are at hand: an order has an
eligible worker not on it iff it has more candidate pairs than assigned workers (pairs
are distinct and every assigned pair is one: pins are checked eligible), which is rule
4. The other orders have no such worker, so rule 3 holds as soon as a skilled worker
not on the order is near; a compiled scan of the skill's workers answers rules 1 and 2.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigstation.solver.candidates import Candidates, Indexed, candidates
from gigstation.solver.distance import EARTH_RADIUS_M
from gigstation.solver.models import Reason, Unfilled
from gigstation.solver.nearby import other_workers_near

__all__ = ["explain_unfilled"]

IntArray = npt.NDArray[np.int64]


def _reasons(ix: Indexed, orders: IntArray, taken_first: IntArray, taken: IntArray) -> list[Reason]:
    """Rules 1-3 for orders without an eligible worker beyond ``taken`` (CSR by order, sorted)."""
    skilled, near = other_workers_near(
        orders,
        taken_first,
        taken,
        ix.order_geo,
        ix.worker_geo,
        ix.worker_limit,
        ix.worker_inner2,
        ix.worker_outer,
        ix.skills.skilled_first,
        ix.skills.skilled,
        ix.skills.order_code,
        EARTH_RADIUS_M,
    )
    return [
        "not_available" if n else "too_far" if s else "no_skilled_worker"
        for s, n in zip(skilled.tolist(), near.tolist(), strict=True)
    ]


def _taken_by_order(ix: Indexed, worker: IntArray, order: IntArray, orders: IntArray) -> tuple[IntArray, IntArray]:
    """The workers assigned to ``orders``, grouped by order (CSR over all orders: first, workers),
    each group ascending; other orders get empty groups."""
    wanted = np.zeros(len(ix.orders), dtype=np.bool_)
    wanted[orders] = True
    mine = wanted[order]
    worker, order = worker[mine], order[mine]
    perm = np.lexsort((worker, order))
    first = np.searchsorted(order[perm], np.arange(len(ix.orders) + 1, dtype=np.int64))
    return first.astype(np.int64), np.ascontiguousarray(worker[perm], dtype=np.int64)


def explain_unfilled(
    ix: Indexed, assigned_worker: IntArray, assigned_order: IntArray, cand: Candidates | None = None
) -> list[Unfilled]:
    """One ``Unfilled`` per order with missing slots, sorted by order id (index order).

    ``cand`` (all eligible pairs) is generated when not given.
    """
    if cand is None:
        cand = candidates(ix)
    assigned_worker = assigned_worker.astype(np.int64, copy=False)
    assigned_order = assigned_order.astype(np.int64, copy=False)
    filled = np.bincount(assigned_order, minlength=len(ix.orders))
    missing = ix.headcount - filled
    short = np.flatnonzero(missing > 0)
    other_eligible = np.bincount(cand.order, minlength=len(ix.orders)) > filled
    reasons: dict[int, Reason] = {}
    rest = short[~other_eligible[short]]
    if rest.size:
        taken_first, taken = _taken_by_order(ix, assigned_worker, assigned_order, rest)
        reasons = dict(zip(rest.tolist(), _reasons(ix, rest, taken_first, taken), strict=True))
    order_ids = ix.orders
    return [Unfilled(order_ids[j].id, int(missing[j]), reasons.get(j, "taken_by_other_orders")) for j in short.tolist()]
