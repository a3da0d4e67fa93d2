"""Benchmark quick mode against OR-Tools, scipy assignment and a greedy baseline, in one process.

    PYTHONPATH=src python solver/bench.py            # writes solver/RESULTS.md
    PYTHONPATH=src python solver/bench.py --quick    # fewer repeats, no file
    PYTHONPATH=src python solver/bench.py --city     # also the 100,000 x 30,000 city (minutes)

Every figure is a median over repeats measured in this process, side by side, on the
standard instances from ``generate.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from gigstation.solver.api import build_solution
from gigstation.solver.candidates import Candidates, Indexed, candidates, index_instance
from gigstation.solver.cli import load_instance
from gigstation.solver.day import solve_day
from gigstation.solver.distance import great_circle_m
from gigstation.solver.models import Instance, Objective
from gigstation.solver.pins import validate_pins
from gigstation.solver.quick import FlowOptions, _compact, solve_quick, solve_quick_priced
from gigstation.solver.warm import warm_up

HERE = Path(__file__).resolve().parent
DEFAULT = (
    f"gigstation quick, default (engine up to {FlowOptions().compiled_max_pairs:,} pairs,"
    f" cost scaling from {FlowOptions().cost_scaling_min_pairs:,})"
)
ANY_SIZE = "gigstation quick, compiled engine at any size"
SCALED = "gigstation quick, cost-scaling engine at any size"
FLOW = "gigstation quick, OR-Tools flow path"
PRICED = "gigstation quick, pricing"
INSTANCES = HERE / "instances"
SCALED_OPTS = FlowOptions(compiled=False, cost_scaling_min_pairs=0)
# Dense matrices above this many cells are skipped (8 bytes each, plus scipy's copies).
DENSE_CELL_LIMIT = 40_000_000


@dataclass
class Row:
    """One line of the results table."""

    instance: str
    method: str
    cand_ms: float | None
    solve_ms: float | None
    objective: Objective | None
    optimal: str
    note: str = ""
    edges: int | None = None
    rounds: int | None = None
    added: int | None = None


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _median(values: list[float]) -> float:
    return statistics.median(values)


def bench_quick(
    name: str, instance: Instance, repeats: int, opts: FlowOptions | None = None, label: str = "gigstation quick"
) -> Row:
    """Candidates (index + pins + pairs) and solve (flow + solution + reasons) timed separately."""
    cand_t, solve_t = [], []
    solution = None
    priced = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        ix = index_instance(instance)
        pins = validate_pins(ix, instance.pinned, "quick")
        cand = candidates(ix)
        t1 = time.perf_counter()
        chosen, priced = solve_quick_priced(ix, cand, pins, 60.0, opts)
        solution = build_solution(ix, chosen, "quick", t1, cand)
        t2 = time.perf_counter()
        cand_t.append(t1 - t0)
        solve_t.append(t2 - t1)
    assert solution is not None
    note = f"{len(cand):,} edges, {int(ix.headcount.sum()):,} slots"
    if priced is not None:
        note += (
            f"; {priced.cut_rounds} cut + {priced.price_rounds} pricing rounds,"
            f" {priced.seed_pairs:,} seed pairs, {priced.final_pairs - priced.seed_pairs:,} added"
        )
    elif opts is not None and opts.pricing:
        note += "; pricing gave up, full graph used"
    return Row(
        name,
        label,
        _ms(_median(cand_t)),
        _ms(_median(solve_t)),
        solution.objective,
        "yes" if solution.optimal else "no",
        note,
        edges=len(cand),
        rounds=None if priced is None else priced.cut_rounds + priced.price_rounds,
        added=None if priced is None else priced.final_pairs - priced.seed_pairs,
    )


def bench_ortools_full(name: str, instance: Instance, repeats: int) -> Row:
    """The straightforward way: one OR-Tools max flow with min cost, safe weight, full candidate graph.

    Timed without candidate generation (the "solve ms" column only; candidates shown for reference).
    """
    ix = index_instance(instance)
    t0 = time.perf_counter()
    cand = candidates(ix)
    cand_ms = _ms(time.perf_counter() - t0)
    n_w, n_o = len(ix.workers), len(ix.orders)
    prio = ix.worker_priority[cand.worker]
    flow_bound = min(n_w, int(ix.headcount.sum()))
    weight = flow_bound * int(cand.distance_m.max()) + 1
    cost = weight * (int(prio.max()) - prio) + cand.distance_m
    times, objective = [], None
    for _ in range(repeats):
        t1 = time.perf_counter()
        flow = min_cost_flow.SimpleMinCostFlow()
        arcs = flow.add_arcs_with_capacity_and_unit_cost(
            cand.worker.astype(np.int32), (cand.order + n_w).astype(np.int32), np.ones(len(cand), dtype=np.int64), cost
        )
        flow.set_nodes_supplies(
            np.arange(n_w + n_o, dtype=np.int32), np.concatenate([np.ones(n_w, dtype=np.int64), -ix.headcount])
        )
        status = flow.solve_max_flow_with_min_cost()
        chosen = np.asarray(flow.flows(np.asarray(arcs, dtype=np.int32))) > 0
        times.append(time.perf_counter() - t1)
        if status != flow.OPTIMAL:
            note = f"OR-Tools status {status.name}"
            return Row(name, "OR-Tools max flow min cost, full graph", cand_ms, _ms(times[-1]), None, "no", note)
        objective = Objective(int(chosen.sum()), int(prio[chosen].sum()), int(cand.distance_m[chosen].sum()))
    return Row(name, "OR-Tools max flow min cost, full graph", cand_ms, _ms(_median(times)), objective, "yes")


def bench_scipy_sparse(name: str, instance: Instance, budget_s: float) -> Row:
    """scipy's sparse ``min_weight_full_bipartite_matching`` (LAPJVsp) on workers x slots plus one dummy per worker."""
    ix = index_instance(instance)
    cand = candidates(ix)
    n_w = len(ix.workers)
    t0 = time.perf_counter()
    prio = ix.worker_priority[cand.worker]
    d_max = int(cand.distance_m.max())
    cost = 4 * (d_max + 1) * (int(prio.max()) - prio) + cand.distance_m + 1
    big = min(n_w, int(ix.headcount.sum())) * int(cost.max()) + 1
    first = np.concatenate([[0], np.cumsum(ix.headcount)])
    k = ix.headcount[cand.order]
    within = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)
    slots = int(first[-1])
    rows = np.concatenate([np.repeat(cand.worker, k), np.arange(n_w)])
    cols = np.concatenate([np.repeat(first[cand.order], k) + within, slots + np.arange(n_w)])
    vals = np.concatenate([np.repeat(cost, k), np.full(n_w, big)]).astype(np.float64)
    if rows.shape[0] > 2_000_000:
        return Row(name, "scipy sparse LAPJVsp", None, None, None, "-", f"skipped: {rows.shape[0]:,} slot edges")
    matrix = csr_matrix((vals, (rows, cols)), shape=(n_w, slots + n_w))
    t1 = time.perf_counter()
    r, c = min_weight_full_bipartite_matching(matrix)
    t2 = time.perf_counter()
    real = c < slots
    w, o = r[real], np.searchsorted(first, c[real], side="right") - 1
    dist = great_circle_m(ix.worker_lat[w], ix.worker_lon[w], ix.order_lat[o], ix.order_lon[o])
    objective = Objective(int(real.sum()), int(ix.worker_priority[w].sum()), int(np.rint(dist).sum()))
    note = f"{rows.shape[0]:,} slot edges; small weight, no P* check"
    return Row(name, "scipy sparse LAPJVsp", _ms(t1 - t0), _ms(t2 - t1), objective, "-", note)


def dense_values(ix: Indexed) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense worker x order eligibility, rounded distances and lexicographic values (all pairs)."""
    codes = {
        s: k for k, s in enumerate(sorted({s for w in ix.workers for s in w.skills} | {o.skill for o in ix.orders}))
    }
    if len(codes) > 63:
        raise ValueError("too many skills for a bitmask")
    wmask = np.array([sum(1 << codes[s] for s in set(w.skills)) for w in ix.workers], dtype=np.int64)
    omask = np.array([1 << codes[o.skill] for o in ix.orders], dtype=np.int64)
    ok = (wmask[:, None] & omask[None, :]) != 0
    ok &= (ix.worker_from[:, None] <= ix.order_start[None, :]) & (ix.order_end[None, :] <= ix.worker_until[:, None])
    dist = great_circle_m(ix.worker_lat[:, None], ix.worker_lon[:, None], ix.order_lat[None, :], ix.order_lon[None, :])
    ok &= dist <= ix.worker_limit[:, None]
    if ix.forbidden_keys.size:
        n_o = len(ix.orders)
        ok.flat[ix.forbidden_keys // n_o * n_o + ix.forbidden_keys % n_o] = False
    rounded = np.rint(dist).astype(np.int64)
    return ok, rounded, dist


def bench_lsa(name: str, instance: Instance, repeats: int, budget_s: float) -> Row:
    """scipy's dense Hungarian-type solver on workers x slots with exact lexicographic values."""
    ix = index_instance(instance)
    slots = int(ix.headcount.sum())
    cells = len(ix.workers) * slots
    if cells > DENSE_CELL_LIMIT:
        return Row(
            name,
            "scipy LSA dense",
            None,
            None,
            None,
            "-",
            f"skipped: {len(ix.workers):,} x {slots:,} matrix = {cells * 8 / 1e9:.1f} GB",
        )
    build_t, solve_t = [], []
    objective = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        ok, rounded, _ = dense_values(ix)
        d_max = int(rounded[ok].max()) if ok.any() else 0
        flow_bound = min(len(ix.workers), slots)
        weight = flow_bound * d_max + 1
        p_max = int(ix.worker_priority.max())
        top = flow_bound * (weight * p_max + d_max) + 1
        # Values stay below 2**53, so float64 sums are exact and the optimum is lexicographic.
        assert flow_bound * (top + weight * p_max + d_max) < 2**53
        value = np.where(ok, top + weight * ix.worker_priority[:, None] + (d_max - rounded), 0).astype(np.float64)
        column_order = np.repeat(np.arange(len(ix.orders)), ix.headcount)
        matrix = value[:, column_order]
        t1 = time.perf_counter()
        rows, cols = linear_sum_assignment(matrix, maximize=True)
        t2 = time.perf_counter()
        build_t.append(t1 - t0)
        solve_t.append(t2 - t1)
        keep = ok[rows, column_order[cols]]
        w, o = rows[keep], column_order[cols][keep]
        objective = Objective(int(keep.sum()), int(ix.worker_priority[w].sum()), int(rounded[w, o].sum()))
        del matrix, value
        if t2 - t0 > budget_s / max(repeats, 1):
            break
    note = f"{len(ix.workers):,} x {slots:,} matrix, {len(build_t)} run(s)"
    return Row(name, "scipy LSA dense", _ms(_median(build_t)), _ms(_median(solve_t)), objective, "yes", note)


def greedy(ix: Indexed, cand: Candidates) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orders in id order, each takes its nearest eligible free workers."""
    perm = np.lexsort((cand.worker, cand.distance_m, cand.order))
    order, worker, dist = cand.order[perm], cand.worker[perm], cand.distance_m[perm]
    bounds = np.searchsorted(order, np.arange(len(ix.orders) + 1))
    used = np.zeros(len(ix.workers), dtype=np.bool_)
    chosen: list[int] = []
    for j in range(len(ix.orders)):
        need = int(ix.headcount[j])
        for k in range(int(bounds[j]), int(bounds[j + 1])):
            if need == 0:
                break
            w = int(worker[k])
            if not used[w]:
                used[w] = True
                chosen.append(k)
                need -= 1
    idx = np.array(chosen, dtype=np.int64)
    return worker[idx], order[idx], dist[idx]


def bench_greedy(name: str, instance: Instance, repeats: int) -> Row:
    """Greedy nearest-first on the same candidate edges."""
    cand_t, solve_t = [], []
    objective = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        ix = index_instance(instance)
        cand = candidates(ix)
        t1 = time.perf_counter()
        w, _, d = greedy(ix, cand)
        t2 = time.perf_counter()
        cand_t.append(t1 - t0)
        solve_t.append(t2 - t1)
        objective = Objective(int(w.shape[0]), int(ix.worker_priority[w].sum()), int(d.sum()))
    return Row(name, "greedy nearest-first", _ms(_median(cand_t)), _ms(_median(solve_t)), objective, "no")


def bench_day(
    name: str,
    instance: Instance,
    repeats: int,
    time_limit_s: float,
    engine: str = "milp",
    label: str = "gigstation day",
) -> Row:
    """Day mode with its time limit: ``milp`` (HiGHS neighbourhood MILP) or ``cpsat`` (staged CP-SAT)."""
    cand_t, solve_t = [], []
    solution = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        ix = index_instance(instance)
        pins = validate_pins(ix, instance.pinned, "day")
        cand = candidates(ix)
        t1 = time.perf_counter()
        chosen = solve_day(ix, cand, pins, time_limit_s, engine)
        solution = build_solution(ix, chosen, "day", t1, cand)
        t2 = time.perf_counter()
        cand_t.append(t1 - t0)
        solve_t.append(t2 - t1)
    assert solution is not None
    bound = solution.bound
    note = f"limit {time_limit_s:g} s" + (
        f"; bound {bound.filled}/{bound.priority}/{bound.distance_m}" if bound else ""
    )
    return Row(
        name,
        label,
        _ms(_median(cand_t)),
        _ms(_median(solve_t)),
        solution.objective,
        "yes" if solution.optimal else "no",
        note,
    )


def _time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return _ms(_median(times))


def ablations(name: str, instance: Instance, repeats: int) -> list[str]:
    """What each optimisation buys, measured with and without on one instance."""
    ix = index_instance(instance)
    cand = candidates(ix)
    lines = []
    kd = _time(lambda: candidates(ix), repeats)
    if len(ix.workers) * len(ix.orders) <= 10_000_000:
        dense = _time(lambda: dense_values(ix), repeats)
        lines.append(
            f"| {name} | candidate pairs: skill buckets + KD-tree vs dense all-pairs numpy"
            f" | {kd:.0f} ms | {dense:.0f} ms |"
        )
    tails = cand.worker.astype(np.int32)
    heads = (cand.order + len(ix.workers)).astype(np.int32)
    caps = np.ones(len(cand), dtype=np.int64)
    costs = cand.distance_m.astype(np.int64)

    def bulk() -> None:
        min_cost_flow.SimpleMinCostFlow().add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)

    def per_arc() -> None:
        flow = min_cost_flow.SimpleMinCostFlow()
        for t, h, c in zip(tails.tolist(), heads.tolist(), costs.tolist(), strict=True):
            flow.add_arc_with_capacity_and_unit_cost(t, h, 1, c)

    lines.append(
        f"| {name} | adding {len(cand):,} arcs: bulk numpy API vs one call per arc"
        f" | {_time(bulk, repeats):.0f} ms | {_time(per_arc, 1):.0f} ms |"
    )
    ranks = _time(lambda: (_compact(cand.worker), _compact(cand.order)), repeats)
    unique = _time(lambda: [np.unique(a, return_inverse=True) for a in (cand.worker, cand.order)], repeats)
    what = "compacting edge endpoints: bincount ranks vs np.unique(return_inverse)"
    lines.append(f"| {name} | {what} | {ranks:.0f} ms | {unique:.0f} ms |")
    pins = validate_pins(ix, [], "quick")
    with_all = _time(lambda: solve_quick(ix, cand, pins, 60.0), repeats)
    no_stars = _time(lambda: solve_quick(ix, cand, pins, 60.0, FlowOptions(closed_form_stars=False)), repeats)
    one_flow = _time(lambda: solve_quick(ix, cand, pins, 60.0, FlowOptions(decompose=False)), repeats)
    safe_only = _time(lambda: solve_quick(ix, cand, pins, 60.0, FlowOptions(small_weight_first=False)), repeats)
    lines.append(
        f"| {name} | flow: small weight + P* certificate vs the safe weight W = F D + 1 only"
        f" | {with_all:.0f} ms | {safe_only:.0f} ms |"
    )
    lines.append(
        f"| {name} | flow: components + closed-form stars vs components only | {with_all:.0f} ms | {no_stars:.0f} ms |"
    )
    lines.append(
        f"| {name} | flow: components + closed-form stars vs one flow over everything"
        f" | {with_all:.0f} ms | {one_flow:.0f} ms |"
    )
    return lines


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def table(rows: list[Row]) -> str:
    """Markdown table of the rows."""
    out = [
        "| instance | method | candidates ms | solve ms | slots filled | priority sum | total km | optimal | note |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        o = r.objective
        filled = "-" if o is None else f"{o.filled:,}"
        prio = "-" if o is None else f"{o.priority:,}"
        km = "-" if o is None else f"{o.distance_m / 1000:,.1f}"
        out.append(
            f"| {r.instance} | {r.method} | {_fmt(r.cand_ms)} | {_fmt(r.solve_ms)} | {filled} | {prio} | {km}"
            f" | {r.optimal} | {r.note} |"
        )
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """Run everything, print the tables, and write RESULTS.md unless --quick."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one repeat each, do not write RESULTS.md")
    parser.add_argument("--day-limit", type=float, default=10.0)
    parser.add_argument("--city", action="store_true", help="also the 100,000 x 30,000 city, generated on the fly")
    parser.add_argument("--ablations", action="store_true", help="also the with/without table (slow)")
    args = parser.parse_args(argv)
    r = 1 if args.quick else 0
    plan = [
        ("station", "station.json", r or 9),
        ("town", "town.json", r or 5),
        ("district", "district.json.gz", r or 3),
    ]
    compile_text = compile_times()
    print(compile_text, flush=True)
    warm_up()  # every kernel of a solve and both engines, loaded before anything is timed
    rows: list[Row] = []
    abl: list[str] = []
    peaks: dict[str, float] = {}
    for name, file, repeats in plan:
        instance = load_instance(INSTANCES / file)
        # The three proven peers take turns, one run each per round, so load swings on the
        # shared machine hit them alike; the medians are over the rounds.
        peers = [
            partial(bench_quick, name, instance, 1, FlowOptions(), DEFAULT),
            partial(bench_quick, name, instance, 1, FlowOptions(compiled=False, cost_scaling=False), FLOW),
            partial(bench_quick, name, instance, 1, SCALED_OPTS, SCALED),
            partial(
                bench_quick, name, instance, 1, FlowOptions(pricing=True, compiled=False, cost_scaling=False), PRICED
            ),
            partial(bench_ortools_full, name, instance, 1),
        ]
        if name != "district":
            # The engine at any size (it gives up on its work budget and OR-Tools finishes); ~60 s on the district.
            peers.insert(1, partial(bench_quick, name, instance, 1, FlowOptions(compiled_max_pairs=10**12), ANY_SIZE))
        rows += interleaved(peers, repeats)
        if name != "district":
            rows.append(bench_scipy_sparse(name, instance, 60.0))
        rows.append(bench_greedy(name, instance, repeats))
        peaks[name] = _peak_mb()
        print(table(rows[-len(peers) - 2 :]), flush=True)
        if args.ablations and name != "station":
            abl += ablations(name, instance, 1 if name == "district" else max(1, min(repeats, 3)))
    if args.city:
        sys.path.insert(0, str(HERE))
        from generate import Spec, generate

        # Five district-sized areas side by side (see generate.py), same density as the district.
        city = generate(Spec("city", 100_000, 30_000, seed=5, gzip=True, districts=5))
        rows.append(bench_quick("city", city, 1, FlowOptions(), DEFAULT))
        peaks["city"] = _peak_mb()
        rows.append(bench_ortools_full("city", city, 1))
        print(table(rows[-2:]), flush=True)
        del city
    day = load_instance(INSTANCES / "day.json")
    rows += interleaved(
        [
            partial(bench_quick, "day", day, 1, FlowOptions(), DEFAULT),
            partial(bench_quick, "day", day, 1, FlowOptions(compiled_max_pairs=10**12), ANY_SIZE),
            partial(bench_quick, "day", day, 1, FlowOptions(compiled=False, cost_scaling=False), FLOW),
            partial(bench_quick, "day", day, 1, SCALED_OPTS, SCALED),
        ],
        r or 3,
    )
    rows.append(bench_day("day", day, r or 3, args.day_limit, "milp", "gigstation day"))
    rows.append(bench_day("day", day, 1, args.day_limit, "cpsat", "staged CP-SAT (previous day engine)"))
    text = table(rows)
    abl_text = "\n".join(["| instance | optimisation | with | without |", "|---|---|---:|---:|", *abl])
    if not abl:
        abl_text = "(not run this time: `--ablations`)"
    peak_mb = _peak_mb()
    target_text = targets(rows)
    target_text += f"\n\nPeak resident memory of the whole bench process: {peak_mb:,.0f} MB."
    target_text += "\n\n" + compile_text
    target_text += "\n\n" + growth(rows, peaks)
    print(text)
    print(target_text)
    print(abl_text)
    if not args.quick:
        write_results(text, target_text, abl_text, " ".join(["PYTHONPATH=src python solver/bench.py", *argv]))
    return 0


def interleaved(runs: list[Callable[[], Row]], rounds: int) -> list[Row]:
    """Each run once per round, in turn; one row per run with median times over the rounds."""
    results: list[list[Row]] = [[] for _ in runs]
    for _ in range(rounds):
        for k, run in enumerate(runs):
            results[k].append(run())
    merged = []
    for rows in results:
        last = rows[-1]
        cand = [r.cand_ms for r in rows if r.cand_ms is not None]
        solve = [r.solve_ms for r in rows if r.solve_ms is not None]
        merged.append(
            Row(
                last.instance,
                last.method,
                _median(cand) if cand else None,
                _median(solve) if solve else None,
                last.objective,
                last.optimal,
                last.note,
                last.edges,
                last.rounds,
                last.added,
            )
        )
    return merged


_FIRST_CALL = """
import time
import numpy as np
t = time.perf_counter()
from gigstation.solver.engine import solve_compiled
from gigstation.solver.scaled import solve_cost_scaled
from gigstation.solver.warm import warm_up
one = np.array([0, 0, 1], dtype=np.int64)
other = np.array([0, 1, 0], dtype=np.int64)
solve_compiled(one, other, one, np.array([5, 6, 7], dtype=np.int64), np.ones(2, dtype=np.int64))
print(time.perf_counter() - t)
"""


def compile_times() -> str:
    """The engine's first call in a fresh process: with an empty numba cache (compiling), then with it filled."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(HERE.parent / "src")}
        seconds = [
            float(
                subprocess.run(
                    [sys.executable, "-c", _FIRST_CALL], env=env, capture_output=True, check=True, text=True
                ).stdout
            )
            for _ in range(2)
        ]
    return (
        "Compiled engines (successive shortest paths and cost scaling), first call in a fresh process"
        f" (import + JIT): {seconds[0]:.1f} s with an empty numba"
        f" cache (compiling), {seconds[1]:.2f} s with the cache filled (`cache=True`); excluded from the timings"
        " above, which warm up first."
    )


def _peak_mb() -> float:
    """Peak resident memory of this process so far (Linux ru_maxrss is in KiB)."""
    return float(__import__("resource").getrusage(__import__("resource").RUSAGE_SELF).ru_maxrss) / 1024


def growth(rows: list[Row], peaks: dict[str, float]) -> str:
    """How time, memory and the candidate graph grow from station to city (default path; pricing rounds)."""
    by = {(r.instance, r.method): r for r in rows}
    lines = [
        "### Growth, station to city",
        "",
        f"Default path (`{DEFAULT}`) all-in time; peak memory is the bench process's"
        " peak after that instance (monotone: it includes everything run before); rounds and pairs"
        " added are the pricing path's (not run on the city).",
        "",
        "| instance | candidate pairs | all-in ms | OR-Tools full solve ms | peak MB | pricing rounds | pairs added |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("station", "town", "district", "city"):
        row = by.get((name, DEFAULT))
        if row is None or row.cand_ms is None or row.solve_ms is None:
            continue
        full = by.get((name, "OR-Tools max flow min cost, full graph"))
        priced = by.get((name, PRICED))
        lines.append(
            f"| {name} | {row.edges or 0:,} | {row.cand_ms + row.solve_ms:,.0f}"
            f" | {_fmt(None if full is None else full.solve_ms)} | {peaks.get(name, 0):,.0f}"
            f" | {'-' if priced is None or priced.rounds is None else priced.rounds}"
            f" | {'-' if priced is None or priced.added is None else f'{priced.added:,}'} |"
        )
    return "\n".join(lines)


def targets(rows: list[Row]) -> str:
    """Issue 10's targets against the measured medians, all-in (candidates + solve), for both quick paths."""
    by = {(r.instance, r.method): r for r in rows}

    def total(instance: str, method: str) -> float | None:
        r = by.get((instance, method))
        return None if r is None or r.cand_ms is None or r.solve_ms is None else r.cand_ms + r.solve_ms

    lines = ["| target | path | measured all-in | proven | met |", "|---|---|---:|---|---|"]
    limits = {"station": 10.0, "town": 100.0, "district": 1500.0, "city": 10_000.0}
    for instance, limit in limits.items():
        for path in (DEFAULT, ANY_SIZE, SCALED, FLOW):
            ms = total(instance, path)
            if ms is None:
                continue
            ok = by[(instance, path)].optimal == "yes"
            lines.append(
                f"| {instance} < {limit:,.0f} ms | {path} | {ms:,.1f} ms | {'yes' if ok else 'no'}"
                f" | {'yes' if ms < limit and ok else 'no'} |"
            )
            full = by.get((instance, "OR-Tools max flow min cost, full graph"))
            if instance == "district" and full is not None and full.solve_ms is not None:
                ratio = full.solve_ms / ms
                lines.append(
                    f"| district >= 3x faster than OR-Tools full graph (solve only, {full.solve_ms:,.0f} ms)"
                    f" | {path} | {ratio:.2f}x | - | {'yes' if ratio >= 3 else 'no'} |"
                )
    day = total("day", "gigstation day")
    if day is not None:
        ok = by[("day", "gigstation day")].optimal == "yes"
        lines.append(
            f"| day 1000x300 proven optimal < 10 s | gigstation day | {day:,.0f} ms | {'yes' if ok else 'no'}"
            f" | {'yes' if day < 10000 and ok else 'no'} |"
        )
    return "\n".join(lines)


def write_results(text: str, target_text: str, abl_text: str, command: str) -> None:
    """RESULTS.md: the tables, the targets, the machine and the command."""
    template = (HERE / "RESULTS.template.md").read_text(encoding="utf-8")
    body = template.format(
        table=text,
        targets=target_text,
        ablations=abl_text,
        command=command,
        machine=f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{len(__import__('os').sched_getaffinity(0))} cores, {time.strftime('%Y-%m-%d %H:%M %Z')},"
        f" load average at the end {Path('/proc/loadavg').read_text(encoding='utf-8').split()[:3]}",
    )
    (HERE / "RESULTS.md").write_text(body, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
