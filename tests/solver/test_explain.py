"""Unfilled slots carry the reason the documented rule gives, on crafted cases."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gigstation.solver import Instance, Order, Pair, Params, Worker, solve
from gigstation.solver.models import Mode, Reason

MakeWorker = Callable[..., Worker]
MakeOrder = Callable[..., Order]


@pytest.mark.parametrize("mode", ["quick", "day"])
def test_each_reason(mode: Mode, make_worker: MakeWorker, make_order: MakeOrder) -> None:
    instance = Instance(
        workers=[
            make_worker("mover", 0.5),
            make_worker("far_cleaner", 40, skills=("cleaning",)),
            make_worker("late_cook", skills=("cook",), hours=(15, 22)),
            make_worker("banned_driver", skills=("driver",)),
        ],
        orders=[
            make_order("needs_welder", skill="welding"),
            make_order("needs_cleaner", skill="cleaning"),
            make_order("needs_cook", skill="cook"),
            make_order("needs_driver", skill="driver"),
            make_order("moving_a", 0.1, headcount=1),
            make_order("moving_b", 0.2, headcount=1),
        ],
        forbidden=[Pair("banned_driver", "needs_driver")],
    )
    reasons: dict[str, Reason] = {u.order_id: u.reason for u in solve(instance, mode).unfilled}
    assert reasons["needs_welder"] == "no_skilled_worker"
    assert reasons["needs_cleaner"] == "too_far"
    assert reasons["needs_cook"] == "not_available"
    assert reasons["needs_driver"] == "not_available"  # forbidden counts as not available
    # One mover for two overlapping moving orders: the other is taken elsewhere.
    assert [o for o in ("moving_a", "moving_b") if o in reasons] == ["moving_a"]  # b is nearer
    assert reasons["moving_a"] == "taken_by_other_orders"


def test_instance_distance_cap_makes_too_far(make_worker: MakeWorker, make_order: MakeOrder) -> None:
    instance = Instance(workers=[make_worker("w", 3)], orders=[make_order("o")], params=Params(max_distance_m=1000))
    assert [(u.order_id, u.missing, u.reason) for u in solve(instance).unfilled] == [("o", 1, "too_far")]


def test_workers_already_on_the_order_do_not_count(make_worker: MakeWorker, make_order: MakeOrder) -> None:
    # Two of three slots filled; the only other mover is busy on another order -> taken;
    # without that other mover the remaining reason is that nobody else has the skill.
    instance = Instance(
        workers=[make_worker("a"), make_worker("b"), make_worker("c", priority=1)],
        orders=[make_order("big", 0.1, headcount=3), make_order("small")],
    )
    unfilled = {u.order_id: (u.missing, u.reason) for u in solve(instance).unfilled}
    assert unfilled == {"big": (1, "taken_by_other_orders")}
    alone = Instance(workers=instance.workers[:2], orders=instance.orders[:1])
    assert [(u.missing, u.reason) for u in solve(alone).unfilled] == [(1, "no_skilled_worker")]
