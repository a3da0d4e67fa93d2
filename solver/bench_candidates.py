"""Benchmark the matcher's non-engine share, old against new, side by side in one process.

    PYTHONPATH=src python solver/bench_candidates.py                 # station, town, district
    PYTHONPATH=src python solver/bench_candidates.py --city          # and the 100,000 x 30,000 city
    PYTHONPATH=src python solver/bench_candidates.py --compile-only  # numba's cold / cached start

"Old" is the code at ``--baseline`` (a git revision; default: the commit this work
started from), loaded from git into its own modules; "new" is the working tree. Per
instance and stage (indexing, pin validation, candidate pairs, building the
``Solution`` from one fixed optimal assignment), old and new take turns within each
repeat, so load swings hit both alike; figures are medians. Before timing, the new
pairs and the new ``Solution`` are checked equal to the old ones (same pairs, same
rounded metres, same assignments and reasons).
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from gigstation.solver import api, candidates, pins
from gigstation.solver.cli import load_instance
from gigstation.solver.models import Instance, Solution
from gigstation.solver.quick import solve_quick

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INSTANCES = HERE / "instances"
BASELINE = "9759ae3"
# The old modules, in dependency order, and the new modules their imports are redirected from.
OLD_MODULES = ["distance", "candidates", "explain", "pins", "api"]


def load_baseline(revision: str) -> dict[str, types.ModuleType]:
    """The solver's non-engine modules as they were at ``revision``, importable side by side with the new ones."""
    package = types.ModuleType("baseline")
    package.__path__ = []
    sys.modules["baseline"] = package
    loaded: dict[str, types.ModuleType] = {}
    for name in OLD_MODULES:
        source = subprocess.run(
            ["git", "show", f"{revision}:src/gigstation/solver/{name}.py"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for other in OLD_MODULES:
            source = source.replace(f"from gigstation.solver.{other} import", f"from baseline.{other} import")
        module = types.ModuleType(f"baseline.{name}")
        module.__file__ = f"<{revision}:{name}.py>"
        sys.modules[module.__name__] = module
        exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102 - our own history
        loaded[name] = module
    return loaded


def city(cache: Path | None) -> Instance:
    """The 100,000 x 30,000 city of solver/bench.py (five districts), generated or read from ``cache``."""
    if cache is not None and cache.exists():
        return load_instance(cache)
    sys.path.insert(0, str(HERE))
    from generate import Spec, generate  # a script beside this one

    instance = generate(Spec("city", 100_000, 30_000, seed=5, gzip=True, districts=5))
    if cache is not None:
        cache.write_bytes(gzip.compress(msgspec.json.encode(instance), 1))
    return instance


def _solution_key(solution: Solution) -> tuple[object, ...]:
    return (solution.assignments, solution.unfilled, solution.objective, solution.optimal)


def check_same(old: dict[str, Any], instance: Instance) -> tuple[int, Any]:
    """Assert the new pairs and Solution equal the old ones; return the pair count and one optimal choice."""
    ix_old, ix_new = old["candidates"].index_instance(instance), candidates.index_instance(instance)
    c_old, c_new = old["candidates"].candidates(ix_old), candidates.candidates(ix_new)
    perm = np.lexsort((c_old.order, c_old.worker))
    for field in ("worker", "order", "distance_m"):
        assert np.array_equal(getattr(c_old, field)[perm], getattr(c_new, field)), f"pairs differ ({field})"
    chosen = solve_quick(ix_new, c_new, pins.validate_pins(ix_new, instance.pinned, "quick"))
    s_old = old["api"].build_solution(ix_old, chosen, "quick", time.perf_counter(), c_old)
    s_new = api.build_solution(ix_new, chosen, "quick", time.perf_counter(), c_new)
    assert _solution_key(s_old) == _solution_key(s_new), "solutions differ"
    return len(c_new), chosen


def stages(mod: dict[str, Any], instance: Instance, chosen: Any) -> dict[str, float]:
    """Milliseconds of each non-engine stage, one run."""
    t0 = time.perf_counter()
    ix = mod["candidates"].index_instance(instance)
    t1 = time.perf_counter()
    mod["pins"].validate_pins(ix, instance.pinned, "quick")
    t2 = time.perf_counter()
    cand = mod["candidates"].candidates(ix)
    t3 = time.perf_counter()
    mod["api"].build_solution(ix, chosen, "quick", t3, cand)
    t4 = time.perf_counter()
    del cand, ix
    return {"index": t1 - t0, "pins": t2 - t1, "pairs": t3 - t2, "solution": t4 - t3, "total": t4 - t0}


def bench(name: str, instance: Instance, old: dict[str, Any], new: dict[str, Any], repeats: int) -> list[str]:
    """Table rows for one instance: old and new per stage, medians of ``repeats`` interleaved runs."""
    n_pairs, chosen = check_same(old, instance)
    runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for _ in range(repeats):
        for label, mod in (("old", old), ("new", new)):
            runs[label].append(stages(mod, instance, chosen))
    med = {label: {k: statistics.median(r[k] for r in rs) * 1000.0 for k in rs[0]} for label, rs in runs.items()}
    size = f"{len(instance.workers):,} x {len(instance.orders):,}"
    rows = []
    for stage in ("index", "pins", "pairs", "solution", "total"):
        o, n = med["old"][stage], med["new"][stage]
        rows.append(f"| {name} | {size} | {n_pairs:,} | {stage} | {o:,.2f} | {n:,.2f} | {o / max(n, 1e-9):.1f}x |")
    return rows


def compile_times() -> list[str]:
    """numba's start-up in fresh processes: importing, first call with an empty cache, then with a warm one."""
    probe = (
        "import time; t0 = time.perf_counter();"
        "from gigstation.solver import api, candidates, pins;"
        "from gigstation.solver.cli import load_instance; from pathlib import Path;"
        f"inst = load_instance(Path({str(INSTANCES / 'station.json')!r}));"
        "t1 = time.perf_counter(); ix = candidates.index_instance(inst); pins.validate_pins(ix, inst.pinned, 'quick');"
        "c = candidates.candidates(ix);"
        "from gigstation.solver.explain import explain_unfilled; import numpy as np;"
        "explain_unfilled(ix, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), c);"
        "t2 = time.perf_counter(); ix = candidates.index_instance(inst); c = candidates.candidates(ix);"
        "t3 = time.perf_counter();"
        "print(f'{(t1 - t0) * 1000:.0f} {(t2 - t1) * 1000:.0f} {(t3 - t2) * 1000:.1f}')"
    )
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(ROOT / "src")}
        for label in ("empty cache (cold compile)", "warm cache", "warm cache"):
            out = subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True)
            imported, first, second = out.stdout.split()
            rows.append(f"| {label} | {imported} | {first} | {second} |")
    return rows


MEMORY_PROBE = """
import resource, sys
sys.path.insert(0, {solver!r})
from bench_candidates import city, load_baseline
from pathlib import Path
from gigstation.solver import candidates
instance = city(Path({cache!r}))
mod = load_baseline({revision!r})["candidates"] if {old!r} else candidates
ix = mod.index_instance(instance)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cand = mod.candidates(ix)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(cand), (after - before) / 1024, after / 1024)
"""


def memory(cache: Path, revision: str) -> list[str]:
    """Peak resident memory added by candidate generation on the city, old and new, each in a fresh process."""
    rows = []
    for label, old in (("old", True), ("new", False)):
        code = MEMORY_PROBE.format(solver=str(HERE), cache=str(cache), revision=revision, old=old)
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
        pairs, added, peak = out.stdout.split()
        rows.append(f"| {label} | {int(pairs):,} | {float(added):,.0f} | {float(peak):,.0f} |")
    return rows


def main(argv: list[str]) -> int:
    """Print the old/new table (markdown) for the standard instances."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the old code (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=0, help="repeats per instance (default: by size)")
    parser.add_argument("--city", action="store_true", help="also the 100,000 x 30,000 city (generated, ~40 s)")
    parser.add_argument("--city-cache", type=Path, help="read / write the generated city here (.json.gz)")
    parser.add_argument("--compile-only", action="store_true", help="only numba's start-up times")
    parser.add_argument("--memory-only", action="store_true", help="only the city's peak memory (needs --city-cache)")
    args = parser.parse_args(argv)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.memory_only:
        if args.city_cache is None:
            parser.error("--memory-only needs --city-cache")
        city(args.city_cache)
        print("\n| city candidates | pairs | peak MB added | process peak MB |")
        print("|---|---:|---:|---:|")
        for row in memory(args.city_cache, args.baseline):
            print(row, flush=True)
        return 0
    if not args.compile_only:
        old = load_baseline(args.baseline)
        new = {"candidates": candidates, "pins": pins, "api": api}
        sizes: list[tuple[str, Callable[[], Instance], int]] = [
            ("station", lambda: load_instance(INSTANCES / "station.json"), 21),
            ("town", lambda: load_instance(INSTANCES / "town.json"), 11),
            ("district", lambda: load_instance(INSTANCES / "district.json.gz"), 5),
        ]
        if args.city:
            sizes.append(("city", lambda: city(args.city_cache), 3))
        print("\n| instance | workers x orders | pairs | stage | old ms | new ms | speed-up |")
        print("|---|---|---:|---|---:|---:|---:|")
        for name, load, repeats in sizes:
            for row in bench(name, load(), old, new, args.repeats or repeats):
                print(row, flush=True)
        print(f"\nload average after the table: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n| numba start-up (fresh process) | import ms | first station call ms | second call ms |")
    print("|---|---:|---:|---:|")
    for row in compile_times():
        print(row, flush=True)
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
