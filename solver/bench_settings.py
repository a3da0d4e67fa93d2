"""The cost-scaling engine under other settings, side by side in one process.

    PYTHONPATH=src python solver/bench_settings.py                  # town and district
    PYTHONPATH=src python solver/bench_settings.py --city           # and the 100,000 x 30,000 city
    PYTHONPATH=src python solver/bench_settings.py --repeats 5 --settings "64/4/8 64/8/8 64/4/1"

A setting is FIRST_DIVISOR/ALPHA/PROOF_FROM (``csa.FIRST_DIVISOR``: the first phase's
eps is the unassigned cost over it; ``csa.ALPHA``: eps falls by it per phase;
``scaled.PROOF_FROM``: proofs are tried once eps is at most 1 / it of a metre), plus
``wide`` for int32 pair arrays instead of uint16. The candidate pairs are built once per
instance; then every setting solves them through ``scaled.solve_cost_scaled`` in turn,
repeat after repeat, so load swings hit them alike. Each line checks that every setting
found the same objective; figures are the median and the fastest of the repeats, with
the phases run and the arc scans and discharges (exact counts, the same every run).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from gigstation.solver import csa, scaled
from gigstation.solver.candidates import candidates, index_instance
from gigstation.solver.cli import load_instance
from gigstation.solver.flow import _compact
from gigstation.solver.models import Instance
from gigstation.solver.warm import warm_up

HERE = Path(__file__).resolve().parent
DEFAULT_SETTINGS = "64/4/8 64/8/8 64/4/8/wide 128/4/8 32/4/8 64/3/8 64/4/1"


def _wide(values: npt.NDArray[np.int64], by_worker: npt.NDArray[np.int64] | None) -> npt.NDArray[np.int32]:
    laid_out = values if by_worker is None else values[by_worker]
    return laid_out.astype(np.int32)


def run(name: str, instance: Instance, settings: list[str], repeats: int) -> None:
    ix = index_instance(instance)
    cand = candidates(ix)
    _, worker = _compact(cand.worker)
    orders, order = _compact(cand.order)
    priority, cap = ix.worker_priority[cand.worker], ix.headcount[orders]
    saved = (csa.FIRST_DIVISOR, scaled.ALPHA, scaled.PROOF_FROM, scaled._narrow)
    times: dict[str, list[float]] = {s: [] for s in settings}
    seen: dict[str, tuple[object, ...]] = {}
    try:
        for _ in range(repeats):
            for setting in settings:
                parts = setting.split("/")
                csa.FIRST_DIVISOR, scaled.ALPHA, scaled.PROOF_FROM = (int(p) for p in parts[:3])
                scaled._narrow = _wide if "wide" in parts[3:] else saved[3]
                began = time.perf_counter()
                result = scaled.solve_cost_scaled(worker, order, priority, cand.distance_m, cap)
                times[setting].append(time.perf_counter() - began)
                if result is None:
                    raise SystemExit(f"{name} {setting}: no proven answer")
                seen[setting] = (result.bound, result.searches, result.settled, result.relaxed)
    finally:
        csa.FIRST_DIVISOR, scaled.ALPHA, scaled.PROOF_FROM, scaled._narrow = saved
    bounds = {s[0] for s in seen.values()}
    print(f"{name}: {len(cand):,} pairs, objective {bounds.pop()} for every setting" if len(bounds) == 1 else bounds)
    print("| setting (first divisor / alpha / proof from) | median ms | fastest ms | phases | discharges | arc scans |")
    print("|---|---:|---:|---:|---:|---:|")
    for setting in settings:
        _, phases, discharges, scans = seen[setting]
        runs = times[setting]
        median, fastest = statistics.median(runs) * 1e3, min(runs) * 1e3
        print(f"| {setting} | {median:,.0f} | {fastest:,.0f} | {phases} | {discharges:,} | {scans:,} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--city", action="store_true", help="also the 100,000 x 30,000 city (minutes)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--settings", default=DEFAULT_SETTINGS)
    args = parser.parse_args()
    warm_up()
    settings = args.settings.split()
    run("town", load_instance(HERE / "instances" / "town.json"), settings, max(args.repeats, 5))
    run("district", load_instance(HERE / "instances" / "district.json.gz"), settings, args.repeats)
    if args.city:
        sys.path.insert(0, str(HERE))
        from generate import Spec, generate

        city = generate(Spec("city", 100_000, 30_000, seed=5, gzip=True, districts=5))
        run("city", city, settings, 1)


if __name__ == "__main__":
    main()
