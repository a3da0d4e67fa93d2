"""Candidate generation finds exactly the pairs a naive all-pairs scan with geopy finds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigstation.solver import Instance, Pair, Worker
from gigstation.solver import candidates as candidates_module
from gigstation.solver.candidates import candidates, index_instance
from gigstation.solver.reference import eligible_pairs


@pytest.mark.parametrize("dense_pairs", [0, 10**9], ids=["kd-trees", "dense"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6))
def test_agrees_with_all_pairs_scan(make_random_instance: Callable[..., Instance], dense_pairs: int, seed: int) -> None:
    instance = make_random_instance(seed)
    ix = index_instance(instance)
    saved = candidates_module._DENSE_PAIRS
    candidates_module._DENSE_PAIRS = dense_pairs
    try:
        cand = candidates(ix)
    finally:
        candidates_module._DENSE_PAIRS = saved
    got = {
        (ix.workers[w].id, ix.orders[o].id): d
        for w, o, d in zip(cand.worker.tolist(), cand.order.tolist(), cand.distance_m.tolist(), strict=True)
    }
    expected = eligible_pairs(instance)
    assert len(got) == len(cand), "a pair was produced twice"
    assert set(got) == set(expected)
    for pair, dist in expected.items():
        assert abs(got[pair] - dist) <= 0.5 + 1e-6


def test_forbids_with_unknown_ids_are_ignored(make_random_instance: Callable[..., Instance]) -> None:
    instance = make_random_instance(1, 10, 5)
    noisy = Instance(instance.workers, instance.orders, instance.params, [], [*instance.forbidden, Pair("x", "y")])
    assert len(candidates(index_instance(noisy))) == len(candidates(index_instance(instance)))


@pytest.mark.parametrize("seed", [3, 4])
def test_no_pairs_when_nobody_has_the_skill(make_random_instance: Callable[..., Instance], seed: int) -> None:
    instance = make_random_instance(seed, 20, 10)
    only_drivers = Instance(
        workers=[Worker(**{**_fields(w), "skills": ["driver"]}) for w in instance.workers],
        orders=instance.orders,
    )
    assert len(candidates(index_instance(only_drivers))) == 0


def _fields(w: Worker) -> dict[str, object]:
    return {f: getattr(w, f) for f in w.__struct_fields__}
