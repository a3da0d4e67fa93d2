"""Impossible pins raise ``InvalidPin`` with a message naming the pin."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gigstation.solver import Instance, InvalidPin, Order, Pair, Worker, solve
from gigstation.solver.models import Mode

MakeWorker = Callable[..., Worker]
MakeOrder = Callable[..., Order]


@pytest.fixture
def instance(make_worker: MakeWorker, make_order: MakeOrder) -> Instance:
    return Instance(
        workers=[
            make_worker("w1"),
            make_worker("w2", 1),
            make_worker("far", 30),
            make_worker("cook", skills=("cook",)),
            make_worker("late", hours=(10, 22)),
        ],
        orders=[make_order("o1"), make_order("o2", hours=(14, 18)), make_order("o3", hours=(12, 15))],
        forbidden=[Pair("w2", "o2")],
    )


@pytest.mark.parametrize(
    ("pins", "mode", "message"),
    [
        ([Pair("ghost", "o1")], "quick", "unknown worker 'ghost'"),
        ([Pair("w1", "nope")], "quick", "unknown order 'nope'"),
        ([Pair("cook", "o1")], "quick", "lacks the order's skill"),
        ([Pair("far", "o1")], "quick", "exceeds the limit"),
        ([Pair("late", "o1")], "quick", "not available"),
        ([Pair("w2", "o2")], "day", "forbidden"),
        ([Pair("w1", "o1"), Pair("w2", "o1")], "quick", "has 2 pins but headcount 1"),
        ([Pair("w1", "o1"), Pair("w1", "o2")], "quick", "pinned to 2 orders in quick mode"),
        ([Pair("w1", "o2"), Pair("w1", "o3")], "day", "overlaps"),
        ([Pair("w1", "o1"), Pair("w1", "o1")], "day", "given 2 times"),
    ],
)
def test_invalid_pins_are_named(instance: Instance, pins: list[Pair], mode: Mode, message: str) -> None:
    bad = Instance(instance.workers, instance.orders, instance.params, pins, instance.forbidden)
    with pytest.raises(InvalidPin, match=message) as info:
        solve(bad, mode)
    assert any(p.worker_id in str(info.value) or p.order_id in str(info.value) for p in pins)


def test_two_pins_for_one_worker_are_fine_in_day_mode_when_apart(instance: Instance) -> None:
    ok = Instance(instance.workers, instance.orders, instance.params, [Pair("w1", "o1"), Pair("w1", "o2")])
    pairs = {(a.worker_id, a.order_id) for a in solve(ok, "day").assignments}
    assert {("w1", "o1"), ("w1", "o2")} <= pairs
