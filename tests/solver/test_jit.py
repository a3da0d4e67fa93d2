"""Compiled kernels work where numba cannot cache them, and the compiled distance keeps the reference bits."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigstation.solver.distance import Trig, great_circle_pairs
from gigstation.solver.jit import kernel
from tests.solver.test_candidates import reference_great_circle_pairs

SRC = Path(__file__).resolve().parents[2] / "src"


def test_a_kernel_without_a_cache_location_still_compiles() -> None:
    # A function defined from a string has no file, so numba has nowhere to cache it and
    # refuses cache=True with "no locator available": the same refusal as a read-only install.
    namespace: dict[str, object] = {}
    exec("def twice(x):\n    return 2 * x\n", namespace)  # noqa: S102 - a fixed string
    twice = kernel(namespace["twice"])  # type: ignore[arg-type]
    assert twice(21) == 42


PROBE = """
from datetime import UTC, datetime
from gigstation.solver import Instance, Order, Worker, solve
import gigstation.solver.nearby as nearby
day = datetime(2026, 1, 1, tzinfo=UTC)
w = Worker(id="w", lat=31.0, lon=121.0, skills=["a"], available_from=day, available_until=day.replace(hour=23),
           max_distance_m=5000)
o = Order(id="o", lat=31.01, lon=121.0, skill="a", headcount=1, starts_at=day.replace(hour=8),
          ends_at=day.replace(hour=9))
print(solve(Instance(workers=[w], orders=[o])).assignments[0].distance_m, type(nearby.eligible_pass._cache).__name__)
"""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0, reason="needs unshare as root")
def test_read_only_install_and_home(tmp_path: Path) -> None:
    """The package and the home directory on read-only mounts: no cache, and the solve still works."""
    package, home = tmp_path / "site", tmp_path / "home"
    shutil.copytree(SRC / "gigstation", package / "gigstation", ignore=shutil.ignore_patterns("__pycache__"))
    home.mkdir()
    script = (
        f"mount --bind {package} {package} && mount -o remount,bind,ro {package} && "
        f"mount --bind {home} {home} && mount -o remount,bind,ro {home} && "
        f"exec {sys.executable} -c '{PROBE}'"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env |= {"HOME": str(home), "XDG_CACHE_HOME": str(home), "PYTHONPATH": str(package), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0 and "mount" in result.stderr and "permission" in result.stderr.lower():
        pytest.skip("mount namespaces are not permitted here")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["1112", "NullCache"]


lats = st.floats(min_value=-90, max_value=90, allow_nan=False)
lons = st.floats(min_value=-180, max_value=180, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(lats, lons, lats, lons), min_size=1, max_size=50))
def test_compiled_distance_has_the_reference_bits(points: list[tuple[float, float, float, float]]) -> None:
    a = Trig.of([p[0] for p in points], [p[1] for p in points])
    b = Trig.of([p[2] for p in points], [p[3] for p in points])
    index = np.arange(len(points), dtype=np.int64)
    got = great_circle_pairs(a, index, b, index)
    assert np.array_equal(got.view(np.int64), reference_great_circle_pairs(a, index, b, index).view(np.int64))


def test_compiled_distance_has_the_reference_bits_on_a_million_nearby_pairs() -> None:
    rng = np.random.default_rng(10)
    lat, lon = rng.uniform(30.8, 31.6, 1_000_000), rng.uniform(120.8, 121.8, 1_000_000)
    a, b = Trig.of(lat[:500_000], lon[:500_000]), Trig.of(lat[500_000:], lon[500_000:])
    index = np.arange(500_000, dtype=np.int64)
    got = great_circle_pairs(a, index, b, index)
    assert np.array_equal(got.view(np.int64), reference_great_circle_pairs(a, index, b, index).view(np.int64))
