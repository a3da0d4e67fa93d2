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
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigstation.solver.candidates import Candidates, Indexed, check_pairs
from gigstation.solver.models import Reason, Unfilled

__all__ = ["explain_unfilled", "reason_for"]

IntArray = npt.NDArray[np.int64]


def reason_for(ix: Indexed, order: int, already: IntArray) -> Reason:
    """The documented reason why order ``order`` lacks workers; ``already`` fill its other slots."""
    skilled = ix.workers_by_skill.get(ix.orders[order].skill)
    if skilled is not None:
        skilled = skilled[~np.isin(skilled, already)]
    if skilled is None or skilled.size == 0:
        return "no_skilled_worker"
    status = check_pairs(ix, skilled, np.full(skilled.shape[0], order, dtype=np.int64), skill_known=True)
    if not status.near.any():
        return "too_far"
    if not (status.near & status.available & status.allowed).any():
        return "not_available"
    return "taken_by_other_orders"


def explain_unfilled(
    ix: Indexed, assigned_worker: IntArray, assigned_order: IntArray, cand: Candidates | None = None
) -> list[Unfilled]:
    """One ``Unfilled`` per order with missing slots, sorted by order id.

    With ``cand`` (all eligible pairs), orders that have an eligible worker not already
    on them get rule 4 straight away, vectorised: such a worker passes rules 1-3.
    """
    filled = np.bincount(assigned_order, minlength=len(ix.orders))
    missing = ix.headcount - filled
    other_eligible = np.zeros(len(ix.orders), dtype=np.bool_)
    if cand is not None and len(cand):
        # Candidate pairs are distinct and every assigned pair is one (pins are checked
        # eligible), so an order has an eligible worker not on it iff it has more
        # candidate pairs than assigned ones: a count instead of a set membership test.
        other_eligible = np.bincount(cand.order, minlength=len(ix.orders)) > filled
    # Group the assigned workers by order once, instead of scanning per unfilled order.
    perm = np.argsort(assigned_order, kind="stable")
    starts = np.searchsorted(assigned_order[perm], np.arange(len(ix.orders) + 1))
    return [
        Unfilled(
            order_id=ix.orders[j].id,
            missing=int(missing[j]),
            reason="taken_by_other_orders"
            if other_eligible[j]
            else reason_for(ix, j, assigned_worker[perm[starts[j] : starts[j + 1]]]),
        )
        for j in np.flatnonzero(missing > 0).tolist()
    ]
