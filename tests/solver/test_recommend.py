"""``recommend`` ranks workers for one order and prices taking each of them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gigstation.solver import Instance, Objective, Order, Pair, UnknownOrder, Worker, recommend
from gigstation.solver.models import Mode

MakeWorker = Callable[..., Worker]
MakeOrder = Callable[..., Order]


@pytest.fixture
def instance(make_worker: MakeWorker, make_order: MakeOrder) -> Instance:
    # "only" is the sole worker who can reach "remote"; "spare" is free; "ann" is nearest to "here".
    return Instance(
        workers=[
            make_worker("ann", 0.5),
            make_worker("only", 1, max_km=20),
            make_worker("spare", 3),
            make_worker("busy_cook", 0.2, skills=("cook",)),
            make_worker("tired", 0.1, hours=(6, 10)),
            make_worker("unrelated", 50, skills=("welding",)),
        ],
        orders=[make_order("here", headcount=1), make_order("remote", 15)],
    )


@pytest.mark.parametrize("mode", ["quick", "day"])
def test_ranking_and_loss(instance: Instance, mode: Mode) -> None:
    recs = recommend(instance, "here", mode)
    ids = [r.worker_id for r in recs]
    assert ids == ["ann", "spare", "only", "tired"]
    ann, spare, only, tired = recs
    assert (ann.assigned_here, ann.loss) == (True, Objective(0, 0, 0))
    # Taking "spare" instead of "ann" only costs the extra 2.5 km.
    assert spare.loss == Objective(0, 0, spare.distance_m - ann.distance_m)
    assert (spare.assigned_here, spare.assigned_elsewhere) == (False, [])
    # "only" is the one worker who can reach "remote"; forcing them here leaves it empty.
    assert only.assigned_elsewhere == ["remote"]
    assert only.loss is not None
    assert only.loss.filled == 1
    assert (tired.eligible, tired.ineligible_reason, tired.loss) == (False, "not_available", None)


def test_worker_pinned_elsewhere_cannot_be_forced(instance: Instance) -> None:
    pinned = Instance(instance.workers, instance.orders, instance.params, [Pair("only", "remote")])
    only = next(r for r in recommend(pinned, "here") if r.worker_id == "only")
    assert (only.eligible, only.forced_objective, only.loss) == (True, None, None)


def test_limit_and_unknown_order(instance: Instance) -> None:
    assert len(recommend(instance, "here", limit=2)) == 2
    with pytest.raises(UnknownOrder):
        recommend(instance, "nope")
