"""``warm_up`` leaves every kernel of a solve compiled (checked in a fresh process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gigstation.solver import solve
from gigstation.solver.warm import _tiny, warm_up

SRC = Path(__file__).resolve().parents[2] / "src"
PROBE = """
from gigstation.solver import csa, engine, moments, nearby, potentials, scaled, ssp
from gigstation.solver.warm import warm_up
kernels = (nearby.build_grid, nearby.other_workers_near, nearby.pair_distances,
           moments._parse_rfc3339_list, nearby.eligible_pass, csa.refine_phase,
           scaled._worker_costs, ssp.starts_if_sorted, engine._every_pair_covered, potentials.order_major,
           potentials.sink_distances_corrected)
print(sum(bool(k.signatures) for k in kernels), end=" ")
warm_up()
print(sum(bool(k.signatures) for k in kernels))
"""


def test_every_kernel_a_solve_calls_is_compiled_afterwards() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "11"]


def test_warm_up_solves_the_tiny_instance() -> None:
    assert warm_up() >= 0
    solution = solve(_tiny(), "quick")
    assert solution.optimal and len(solution.assignments) == 2
    assert [(u.order_id, u.missing, u.reason) for u in solution.unfilled] == [("o1", 1, "no_skilled_worker")]
