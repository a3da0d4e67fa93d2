"""Hand-made instances with a known optimum, one per tie-break level and mode rule."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest

from gigstation.solver import Instance, Order, Pair, Params, Solution, Worker, solve
from gigstation.solver.models import Mode
from gigstation.solver.reference import check_solution

MakeWorker = Callable[..., Worker]
MakeOrder = Callable[..., Order]


def _pairs(solution: Solution) -> set[tuple[str, str]]:
    return {(a.worker_id, a.order_id) for a in solution.assignments}


@pytest.mark.parametrize("mode", ["quick", "day"])
def test_priority_worker_wins_the_last_slot_even_when_farther(
    mode: Mode, make_worker: MakeWorker, make_order: MakeOrder
) -> None:
    instance = Instance(
        workers=[make_worker("near", 1), make_worker("far", 6, priority=2)],
        orders=[make_order("o1")],
    )
    solution = solve(instance, mode)
    assert _pairs(solution) == {("far", "o1")}
    assert solution.objective.priority == 2


@pytest.mark.parametrize("mode", ["quick", "day"])
def test_among_equal_priorities_the_nearer_wins(mode: Mode, make_worker: MakeWorker, make_order: MakeOrder) -> None:
    instance = Instance(
        workers=[make_worker("a", 4, priority=1), make_worker("b", 2, priority=1), make_worker("c", 3, priority=1)],
        orders=[make_order("o1", headcount=2)],
    )
    assert _pairs(solve(instance, mode)) == {("b", "o1"), ("c", "o1")}


def test_filling_more_slots_beats_priority(make_worker: MakeWorker, make_order: MakeOrder) -> None:
    # "vip" could take o1 (nearer, same priority either way), but "plain" can only do o1
    # (free until 13:00), so the optimum sends vip to the afternoon order.
    instance = Instance(
        workers=[make_worker("vip", priority=3), make_worker("plain", 0.5, hours=(6, 13))],
        orders=[make_order("o1", 0.1), make_order("o2", 3, hours=(14, 16))],
    )
    solution = solve(instance, "quick")
    assert _pairs(solution) == {("vip", "o2"), ("plain", "o1")}
    assert solution.objective.filled == 2


def test_day_mode_chains_orders_that_only_touch(make_worker: MakeWorker, make_order: MakeOrder) -> None:
    instance = Instance(
        workers=[make_worker("w")],
        orders=[
            make_order("morning", hours=(8, 12)),
            make_order("afternoon", hours=(12, 16)),
            make_order("clash", hours=(11, 13)),
        ],
    )
    day = solve(instance, "day")
    assert _pairs(day) == {("w", "morning"), ("w", "afternoon")}
    assert check_solution(instance, day, "day") == []
    assert solve(instance, "quick").objective.filled == 1


def test_distance_limits_use_the_smaller_of_worker_and_instance(make_worker: MakeWorker, make_order: MakeOrder) -> None:
    instance = Instance(workers=[make_worker("w", 5, max_km=10)], orders=[make_order("o")])
    assert solve(instance).objective.filled == 1
    capped = msgspec.structs.replace(instance, params=Params(max_distance_m=4000))
    assert solve(capped).objective.filled == 0


def test_pins_are_kept_even_when_worse(make_worker: MakeWorker, make_order: MakeOrder) -> None:
    instance = Instance(workers=[make_worker("near", 1), make_worker("far", 6)], orders=[make_order("o1")])
    pinned = msgspec.structs.replace(instance, pinned=[Pair("far", "o1")])
    assert _pairs(solve(instance)) == {("near", "o1")}
    assert _pairs(solve(pinned)) == {("far", "o1")}
    assert _pairs(solve(pinned, "day")) == {("far", "o1")}


def test_empty_instance() -> None:
    solution = solve(Instance(workers=[], orders=[]))
    assert solution.assignments == []
    assert solution.optimal
