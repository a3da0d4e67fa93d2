"""The start-up warm-up solves its tiny instance through the dispatch path."""

from __future__ import annotations

from gigstation.solver import solve
from gigstation.solver.warm import _tiny, warm_up


def test_warm_up_solves_the_tiny_instance() -> None:
    assert warm_up() >= 0
    solution = solve(_tiny(), "quick")
    assert solution.optimal and len(solution.assignments) == 2
    assert [(u.order_id, u.missing, u.reason) for u in solution.unfilled] == [("o1", 1, "no_skilled_worker")]
