"""Slow, obviously-correct references: naive eligibility, a feasibility check, brute force.

They share no code with the fast path (distances come from geopy, every pair is
looked at), which is what makes them worth comparing against in tests and when
debugging a dispatch decision.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations, pairwise

from geopy.distance import great_circle

from gigstation.solver.models import Instance, Mode, Objective, Order, Solution, Worker

__all__ = ["brute_force", "check_solution", "eligible_pairs"]


def _eligible(instance: Instance, w: Worker, o: Order) -> float | None:
    """The pair's distance in metres if it is eligible, else None."""
    if o.skill not in w.skills or not (w.available_from <= o.starts_at and o.ends_at <= w.available_until):
        return None
    if any(p.worker_id == w.id and p.order_id == o.id for p in instance.forbidden):
        return None
    dist = float(great_circle((w.lat, w.lon), (o.lat, o.lon)).meters)
    cap = instance.params.max_distance_m
    if dist > w.max_distance_m or (cap is not None and dist > cap):
        return None
    return dist


def eligible_pairs(instance: Instance) -> dict[tuple[str, str], float]:
    """Every eligible (worker id, order id) with its unrounded distance, by looking at all pairs."""
    out: dict[tuple[str, str], float] = {}
    for w in instance.workers:
        for o in instance.orders:
            dist = _eligible(instance, w, o)
            if dist is not None:
                out[(w.id, o.id)] = dist
    return out


def _overlap(a: Order, b: Order) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def check_solution(instance: Instance, solution: Solution, mode: Mode) -> list[str]:
    """Every way ``solution`` breaks the rules of ``instance``; empty when it is feasible."""
    problems: list[str] = []
    pairs = eligible_pairs(instance)
    orders = {o.id: o for o in instance.orders}
    priority = {w.id: w.priority for w in instance.workers}
    seen = Counter((a.worker_id, a.order_id) for a in solution.assignments)
    problems += [f"pair {p} assigned {n} times" for p, n in seen.items() if n > 1]
    for a in solution.assignments:
        dist = pairs.get((a.worker_id, a.order_id))
        if dist is None:
            problems.append(f"ineligible pair ({a.worker_id}, {a.order_id})")
        elif abs(dist - a.distance_m) > 0.5 + 1e-6:
            problems.append(f"distance of ({a.worker_id}, {a.order_id}) is {a.distance_m}, expected {dist:.3f}")
    per_order = Counter(a.order_id for a in solution.assignments)
    problems += [f"order {o} over headcount" for o, n in per_order.items() if n > orders[o].headcount]
    by_worker: defaultdict[str, list[Order]] = defaultdict(list)
    for a in solution.assignments:
        by_worker[a.worker_id].append(orders[a.order_id])
    for worker_id, own in by_worker.items():
        if mode == "quick" and len(own) > 1:
            problems.append(f"worker {worker_id} has {len(own)} orders in quick mode")
        own.sort(key=lambda o: o.starts_at)
        problems += [f"worker {worker_id}: {a.id} overlaps {b.id}" for a, b in pairwise(own) if _overlap(a, b)]
    problems += [f"pin {p} missing" for p in instance.pinned if (p.worker_id, p.order_id) not in seen]
    expected = Objective(
        filled=len(solution.assignments),
        priority=sum(priority[a.worker_id] for a in solution.assignments),
        distance_m=sum(a.distance_m for a in solution.assignments),
    )
    if solution.objective != expected:
        problems.append(f"objective {solution.objective} does not match assignments {expected}")
    missing = {o.id: o.headcount - per_order[o.id] for o in instance.orders if o.headcount > per_order[o.id]}
    reported = {u.order_id: u.missing for u in solution.unfilled}
    if reported != missing:
        problems.append(f"unfilled {reported} does not match {missing}")
    return problems


def brute_force(instance: Instance, mode: Mode) -> Objective | None:
    """The lexicographic optimum by dynamic programming over workers; None if pins are infeasible.

    State: the open slots of every order. Exponential; only for a handful of workers and orders.
    """
    pairs = eligible_pairs(instance)
    orders = list(instance.orders)
    pinned: defaultdict[str, set[str]] = defaultdict(set)
    for p in instance.pinned:
        pinned[p.worker_id].add(p.order_id)
    start = tuple(o.headcount for o in orders)
    best: dict[tuple[int, ...], tuple[int, int, int]] = {start: (0, 0, 0)}
    for w in instance.workers:
        options = [j for j, o in enumerate(orders) if (w.id, o.id) in pairs]
        sizes = [0, 1] if mode == "quick" else list(range(len(options) + 1))
        choices = [
            combo
            for k in sizes
            for combo in combinations(options, k)
            if not any(_overlap(orders[a], orders[b]) for a, b in combinations(combo, 2))
            and pinned[w.id] <= {orders[j].id for j in combo}
        ]
        nxt: dict[tuple[int, ...], tuple[int, int, int]] = {}
        for state, value in best.items():
            for combo in choices:
                if any(state[j] == 0 for j in combo):
                    continue
                new_state = tuple(s - (j in combo) for j, s in enumerate(state))
                gain = sum(round(pairs[(w.id, orders[j].id)]) for j in combo)
                new = (value[0] + len(combo), value[1] + w.priority * len(combo), value[2] - gain)
                if new_state not in nxt or new > nxt[new_state]:
                    nxt[new_state] = new
        best = nxt
    if not best:
        return None
    top = max(best.values())
    return Objective(filled=top[0], priority=top[1], distance_m=-top[2])
