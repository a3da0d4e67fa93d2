"""Quick mode on an instance whose safe weight W = F D + 1 fails the overflow test (as on a city)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from gigstation.solver import Instance, solve
from gigstation.solver import flow as flow_module
from gigstation.solver.candidates import candidates, index_instance
from gigstation.solver.quick import FlowOptions

ONE_FLOW = FlowOptions(decompose=False, compiled=False)  # the OR-Tools path is what is tested here


@pytest.mark.parametrize("seed", [1, 4, 5, 6])
def test_small_weight_still_proves_when_the_safe_weight_would_overflow(
    make_random_instance: Callable[..., Instance], seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = make_random_instance(seed, 40, 15)
    expected = solve(instance, flow_options=ONE_FLOW)
    ix = index_instance(instance)
    cand = candidates(ix)
    prio = ix.worker_priority[cand.worker]
    n_w, n_o = np.unique(cand.worker).shape[0], np.unique(cand.order).shape[0]
    flow_bound = min(n_w, int(ix.headcount[np.unique(cand.order)].sum()))
    d_max, spread = int(cand.distance_m.max()), int(prio.max() - prio.min())
    assert spread > 0
    small = (4 * (d_max + 1) * spread + d_max) * (n_w + n_o + 1) * (flow_bound + 1)
    safe = ((flow_bound * d_max + 1) * spread + d_max) * (n_w + n_o + 1) * (flow_bound + 1)
    # A limit between the small weight's product and the safe weight's: before the fix the
    # solver went straight to the CP-SAT fallback here (on a city: no answer at all).
    monkeypatch.setattr(flow_module, "_SAFE", (small + safe) // 2)
    monkeypatch.setattr(flow_module, "_fallback", _no_fallback)
    got = solve(instance, flow_options=ONE_FLOW)
    assert got.optimal
    assert got.objective == expected.objective


def _no_fallback(*args: object) -> object:
    raise AssertionError("the CP-SAT fallback was used")
