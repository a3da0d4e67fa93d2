"""Quick mode's cost-scaling engine: ``csa`` for the matching, the engine's certificate for the proof.

Steps, all over compact ids like ``engine.solve_compiled``:

1. cost scaling (``csa``) on the quick weights (W' = 4 (D + 1), unassigned M = W'
   (levels + 4)) multiplied by n + 1, one phase at a time, eps divided by ``ALPHA``
   after each (``csa`` says why these steps), down to eps = 1 at most: a matching
   optimal for the quick costs, and prices within 1 / (n + 1) of exact potentials;
2. exact integer potentials of that matching under the *safe* lexicographic costs
   (``potentials.sink_distances_corrected``: label correcting seeded with the prices,
   shifted per worker by the difference of the two weights, as ``engine`` lifts);
3. ``engine.check_certificate`` over every pair, in integers.

Steps 2 and 3 are tried after every phase from eps at most 1 / ``PROOF_FROM`` metre on,
not only after the last: the flow is usually optimal several phases before eps = 1 (the
last phases only polish prices), and a proof that holds is a proof. Attempts run on the
other core while the next phase runs (``_scale_and_prove``); a failed one gives up after
about one and a half reads of each pair (``TRY_WORK_PER_PAIR``) and the phases go on.
The proof's inputs (the safe costs, the pairs by order) do not depend on the flow, so
they are built on the other core too, after the first phase.

Any failure (weights that could overflow, the work budget, a quick optimum that is not
the lexicographic one, a certificate that does not hold after the last phase) returns
None, and the caller uses another exact path. An unproven answer never leaves this module.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from gigstation.solver.csa import ALPHA, ScalingState, first_eps, new_state, refine_phase
from gigstation.solver.engine import (
    EngineResult,
    certificate_from_prices,
    check_certificate,
    lexicographic_costs,
    lexicographic_null_cost,
    lexicographic_weight,
)
from gigstation.solver.jit import kernel
from gigstation.solver.potentials import order_major, sink_distances_corrected
from gigstation.solver.ssp import grouped, starts_if_sorted

__all__ = ["solve_cost_scaled"]

IntArray = npt.NDArray[np.int64]

# Prices fall by at most about 3 n eps per phase (Goldberg), so by less than 4 n times the largest scaled cost.
_HEADROOM = 2**62
# Work budgets: arc scans per pair for the scaling; heap pops and arcs read per pair for
# the potentials after the last phase, and for an earlier attempt (a proof that holds
# read each pair about once, within 1.1-1.3 per pair on the district and the city; one
# that does not hold runs into a negative cycle and must give up soon).
SCANS_PER_PAIR = 400
WORK_PER_PAIR = 20
TRY_WORK_PER_PAIR = 1.5
MIN_WORK = 100_000
# Proofs are tried from the first phase whose eps is at most 1 / PROOF_FROM of a unit of
# the original costs (a metre): in the runs measured, the flow was optimal from eps
# 0.05-0.2 m on the town and the district and 0.013 m on the city (solver/RESULTS.md).
# Earlier attempts fail, and on the district the phases left are shorter than a proof.
PROOF_FROM = 8
# The order in which active nodes are discharged (``csa``): last in, first out.
LIFO = True
# Phases keep the workers whose choice is still eps-optimal (instead of unassigning all).
WARM_PHASES = True


class _ProofInputs(NamedTuple):
    """What every proof attempt reads, whatever the flow: safe costs and profits, pairs by order, the lift."""

    cost: IntArray
    order_start: IntArray
    order_adj: IntArray
    adj_w: IntArray
    adj_cost: IntArray
    profit: IntArray
    lift: IntArray


class _Problem(NamedTuple):
    """One solve's pairs (compact ids), safe and quick weights."""

    edge_w: IntArray
    edge_o: IntArray
    priority: IntArray
    distance: IntArray
    cap: IntArray
    n_w: int
    null_cost: int
    quick_weight: int
    scale: int


def _proof_inputs(problem: _Problem) -> _ProofInputs | None:
    """Built on the other core while the phases run (the safe costs are 90 MB on a city)."""
    edge_w, edge_o, n_w, n_o = problem.edge_w, problem.edge_o, problem.n_w, problem.cap.shape[0]
    safe = lexicographic_costs(problem.priority, problem.distance, n_w, problem.cap)
    if safe is None or safe[1] != problem.null_cost:
        return None  # cannot happen: the caller checked the same bound; no proof then, rather than a wrong one
    cost = safe[0]
    worker_priority = np.zeros(n_w, dtype=np.int64)
    worker_priority[edge_w] = problem.priority
    weight = lexicographic_weight(problem.distance, n_w, problem.cap)
    lift = (weight - problem.quick_weight) * (int(problem.priority.max()) - worker_priority)
    order_start, order_adj, adj_w, adj_cost = order_major(edge_w, edge_o, cost, n_o)
    return _ProofInputs(cost, order_start, order_adj, adj_w, adj_cost, problem.null_cost - cost, lift)


def _prove(
    problem: _Problem, proof: _ProofInputs, state: ScalingState, chosen_of: IntArray | None, max_work: int
) -> EngineResult | None:
    """The state's matching with its certificate, or None when this flow cannot be proven optimal (yet)."""
    n_w, n_o = state.chosen.shape[0], problem.cap.shape[0]
    chosen_pos = state.assignment()
    chosen = chosen_pos if chosen_of is None else np.where(chosen_pos >= 0, chosen_of[np.maximum(chosen_pos, 0)], -1)
    # Prices relative to t, back in original units (floor: off by less than one per node).
    relative = state.price - state.price[n_w + n_o]
    phi_w = relative[:n_w] // problem.scale
    phi_o = relative[n_w : n_w + n_o] // problem.scale
    _, dist_o, exact = sink_distances_corrected(
        proof.order_start,
        proof.order_adj,
        proof.adj_w,
        proof.adj_cost,
        problem.edge_o,
        proof.cost,
        problem.cap,
        problem.null_cost,
        chosen,
        phi_w - proof.lift,
        phi_o,
        max_work,
    )
    if not exact:
        return None
    cert = certificate_from_prices(chosen, dist_o, problem.edge_o, proof.profit)
    if not check_certificate(problem.edge_w, problem.edge_o, proof.profit, problem.cap, cert):
        return None
    picked = chosen[chosen >= 0]
    selected = np.zeros(problem.edge_w.shape[0], dtype=np.bool_)
    selected[picked] = True
    bound = (int(picked.shape[0]), int(problem.priority[picked].sum()), int(problem.distance[picked].sum()))
    counters = state.counters
    return EngineResult(selected, bound, int(counters[2]), int(counters[0]), int(counters[1]), False)


def solve_cost_scaled(
    edge_w: IntArray, edge_o: IntArray, priority: IntArray, distance: IntArray, cap: IntArray
) -> EngineResult | None:
    """The proven lexicographic optimum (compact ids, as ``engine.solve_compiled``), or None."""
    n_w, n_o = int(edge_w.max()) + 1, int(cap.shape[0])
    null_cost = lexicographic_null_cost(priority, distance, n_w, cap)
    if null_cost is None:
        return None
    cap = cap.astype(np.int64)
    scale = n_w + n_o + 2
    quick_weight = 4 * (int(distance.max()) + 1)
    levels = int(priority.max()) - int(priority.min())
    quick_null = quick_weight * (levels + 4)
    if quick_null * scale * 4 * scale >= _HEADROOM:
        return None
    if int(distance.max()) >= 2**31:
        return None  # the kernel stores distances in int32 at most; such instances go to the OR-Tools path
    # The quick cost W' (P - priority) + distance is a worker's part plus the pair's distance:
    # the pair arrays then hold only the distance and the order (narrow: less memory to scan).
    worker_cost, consistent = _worker_costs(edge_w, priority, n_w, quick_weight, int(priority.max()))
    if not consistent:
        return None  # a priority is a worker's: pairs that disagree are not an instance this engine knows
    problem = _Problem(edge_w, edge_o, priority, distance, cap, n_w, null_cost, quick_weight, scale)
    with ThreadPoolExecutor(max_workers=1) as other_core:
        return _scale_and_prove(problem, worker_cost, quick_null * scale, other_core)


@kernel
def _worker_costs(edge_w: IntArray, priority: IntArray, n_w: int, weight: int, top: int) -> tuple[IntArray, bool]:
    """W' (P - priority) per worker, and False when two pairs of a worker disagree on its priority."""
    worker_cost = np.full(n_w, -1, dtype=np.int64)
    for e in range(edge_w.shape[0]):
        c = weight * (top - priority[e])
        w = edge_w[e]
        if worker_cost[w] == -1:
            worker_cost[w] = c
        elif worker_cost[w] != c:
            return worker_cost, False
    return worker_cost, True


def _narrow(values: IntArray, by_worker: IntArray | None) -> npt.NDArray[np.uint16] | npt.NDArray[np.int32]:
    """Pair values in the worker layout, as uint16 when they fit (orders and metres usually do), else int32.

    The scans are the engine's inner loop: four bytes a pair to read instead of eight
    took a tenth off the district's phases and a few percent off the city's (side by
    side, solver/RESULTS.md).
    """
    laid_out = values if by_worker is None else values[by_worker]
    if values.size == 0 or (int(values.max()) <= 65_535 and int(values.min()) >= 0):
        return laid_out.astype(np.uint16)
    return laid_out.astype(np.int32)


def _scale_and_prove(
    problem: _Problem,
    worker_cost: IntArray,
    null_cost: int,
    other_core: ThreadPoolExecutor,
) -> EngineResult | None:
    """Phases until a proof holds, or None after the last one.

    The proof's inputs are built on the other core once the first phase is done (not
    before: the setup here and that work both fill fresh memory, and page faults of one
    process queue behind each other; the second phase is the longest, a city's 2 s).

    From eps at most 1 / ``PROOF_FROM`` m on, each phase's flow is copied and proven on
    the other core while the next phase runs; when that proof holds, it raises ``stop``
    and the running phase gives up at its next step. One attempt at a time: a phase that
    ends while one is still running goes on to the next.
    """
    edge_w, edge_o, cap, scale = problem.edge_w, problem.edge_o, problem.cap, problem.scale
    n_w, n_pairs = problem.n_w, edge_w.shape[0]
    # Pairs laid out contiguously per worker: the scans read memory in order. Candidates
    # come worker by worker already; other callers' pairs are sorted here.
    start, in_order = starts_if_sorted(edge_w, n_w)
    by_worker = None if in_order else grouped(edge_w, n_w)[1]
    pair_order, pair_cost = _narrow(edge_o, by_worker), _narrow(problem.distance, by_worker)
    state = new_state(n_w, cap)
    stop = np.zeros(1, dtype=np.bool_)
    proof_inputs: Future[_ProofInputs | None] | None = None
    attempt: Future[EngineResult | None] | None = None
    eps, previous_eps = first_eps(null_cost), 0
    max_scans = SCANS_PER_PAIR * n_pairs + MIN_WORK
    try_budget = int(TRY_WORK_PER_PAIR * n_pairs) + MIN_WORK
    while True:
        finished = refine_phase(
            start,
            pair_order,
            pair_cost,
            worker_cost,
            scale,
            cap,
            null_cost,
            eps,
            *state[:7],
            state.counters,
            max_scans,
            state.kbest,
            state.threshold,
            WARM_PHASES,
            previous_eps,
            LIFO,
            stop,
        )
        last = finished and eps == 1
        if attempt is not None and (attempt.done() or not finished or last):
            proven = attempt.result()  # a phase cut short waits here for the proof that stopped it
            attempt = None
            if proven is not None:
                return proven
        if not finished:
            return None  # the work budget ran out
        if proof_inputs is None:
            proof_inputs = other_core.submit(_proof_inputs, problem)
        if last:
            proof = proof_inputs.result()
            final_budget = WORK_PER_PAIR * n_pairs + MIN_WORK
            return None if proof is None else _prove(problem, proof, state, by_worker, final_budget)
        if attempt is None and eps * PROOF_FROM <= scale:
            copies = {"price": state.price.copy(), "chosen": state.chosen.copy(), "counters": state.counters.copy()}
            snapshot = state._replace(**copies)
            attempt = other_core.submit(_prove_and_stop, problem, proof_inputs, snapshot, by_worker, try_budget, stop)
        previous_eps, eps = eps, max(eps // ALPHA, 1)


def _prove_and_stop(
    problem: _Problem,
    proof_inputs: Future[_ProofInputs | None],
    snapshot: ScalingState,
    by_worker: IntArray | None,
    max_work: int,
    stop: npt.NDArray[np.bool_],
) -> EngineResult | None:
    """A proof attempt on the other core; when it holds, the running phase is told to stop."""
    proof = proof_inputs.result()
    proven = None if proof is None else _prove(problem, proof, snapshot, by_worker, max_work)
    if proven is not None:
        stop[0] = True
    return proven
