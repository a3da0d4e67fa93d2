"""Benchmark the station planner (MCLP) on a synthetic district.

Generates clustered demand (workers' home cells around a few town centres plus a thin
uniform background), candidate sites and existing stations over a Qingpu-sized area,
writes them as the CLI's CSV files, then times ``plan_stations`` on them.

    PYTHONPATH=src python bench/plan_stations_bench.py --demand 20000 --candidates 300 \
        --existing 12 --k 10 --radius-m 1500 --seeds 1 2 3 [--out-dir DIR]

Results are written up in bench/PLAN_RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import random
import time
from pathlib import Path

from gigstation.oversight.siting import Demand, Site, plan_stations

# Roughly Qingpu district: about 45 km east-west by 35 km north-south.
_LAT0, _LAT1 = 30.98, 31.30
_LON0, _LON1 = 120.90, 121.35


def generate(n_demand: int, n_candidates: int, n_existing: int, seed: int,
             clusters: int = 14) -> tuple[list[Demand], list[Site], list[Site]]:
    """Clustered demand (85% around town centres, 15% background), sites near demand."""
    rng = random.Random(seed)
    centres = [(rng.uniform(_LAT0 + 0.03, _LAT1 - 0.03), rng.uniform(_LON0 + 0.03, _LON1 - 0.03),
                rng.uniform(0.006, 0.03)) for _ in range(clusters)]
    demand = []
    for _ in range(n_demand):
        if rng.random() < 0.85:
            lat, lon, spread = rng.choice(centres)
            point = (rng.gauss(lat, spread), rng.gauss(lon, spread / math.cos(math.radians(lat))))
        else:
            point = (rng.uniform(_LAT0, _LAT1), rng.uniform(_LON0, _LON1))
        demand.append(Demand(round(point[0], 6), round(point[1], 6), float(rng.choice((1, 1, 1, 2, 3, 5)))))

    def near_demand(prefix: str, i: int) -> Site:
        anchor = rng.choice(demand)
        return Site(f"{prefix}{i:03d}", round(anchor.lat + rng.gauss(0, 0.01), 6),
                    round(anchor.lon + rng.gauss(0, 0.01), 6))

    candidates = [near_demand("C", i) for i in range(n_candidates)]
    existing = [near_demand("E", i) for i in range(n_existing)]
    return demand, candidates, existing


def write_csvs(out: Path, demand: list[Demand], candidates: list[Site], existing: list[Site]) -> None:
    """The CLI's input files: demand.csv, candidates.csv, existing.csv."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "demand.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["lat", "lon", "weight"])
        w.writerows((d.lat, d.lon, int(d.weight)) for d in demand)
    for name, sites in (("candidates.csv", candidates), ("existing.csv", existing)):
        with (out / name).open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "lat", "lon"])
            w.writerows((s.id, s.lat, s.lon) for s in sites)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demand", type=int, default=20_000)
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--existing", type=int, default=12)
    parser.add_argument("--k", type=int, nargs="+", default=[10])
    parser.add_argument("--radius-m", type=float, default=1500)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--workers", type=int, default=1, help="CP-SAT search workers")
    parser.add_argument("--out-dir", type=Path, help="also write the CSVs of the first seed here")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    print("seed  k  groups sites_kept coverage_ms solve_ms total_s cpu_s optimal covered_before covered_after total")
    for n, seed in enumerate(args.seeds):
        demand, candidates, existing = generate(args.demand, args.candidates, args.existing, seed)
        if n == 0 and args.out_dir:
            write_csvs(args.out_dir, demand, candidates, existing)
        for k in args.k:
            started, cpu = time.perf_counter(), time.process_time()
            plan = plan_stations(demand, candidates, existing, k, args.radius_m, workers=args.workers)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            s = plan.stats
            print(f"{seed:4d} {k:2d} {s.demand_groups:7d} {s.sites_kept:10d} {s.coverage_ms:11.0f} "
                  f"{s.solve_ms:8.0f} {elapsed:7.2f} {cpu:5.2f} {plan.optimal!s:7} {plan.covered_before:14.0f} "
                  f"{plan.covered_after:13.0f} {plan.total:5.0f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
