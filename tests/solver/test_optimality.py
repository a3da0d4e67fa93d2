"""On random tiny instances the solver matches a brute-force lexicographic optimum, in both modes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigstation.solver import Instance, Pair, Params, solve
from gigstation.solver.candidates import candidates, index_instance
from gigstation.solver.models import Mode, Order, Worker
from gigstation.solver.quick import FlowOptions, _best_priority
from gigstation.solver.reference import brute_force, check_solution, eligible_pairs

SKILLS = ("moving", "cleaning", "cook")
DAY = datetime(2026, 11, 22, tzinfo=timezone(timedelta(hours=8)))


def at_km(north_km: float, east_km: float) -> tuple[float, float]:
    """A point about the given kilometres from a base in Qingpu."""
    return 31.15 + north_km / 111.195, 121.12 + east_km / 95.2


@st.composite
def workers(draw: st.DrawFn, wid: str, crowded: bool) -> Worker:
    lat, lon = at_km(draw(st.floats(-3, 3)), draw(st.floats(-3, 3)))
    start = draw(st.integers(6, 11))
    return Worker(
        id=wid,
        lat=lat,
        lon=lon,
        skills=["moving"] if crowded else draw(st.lists(st.sampled_from(SKILLS), min_size=1, max_size=3, unique=True)),
        available_from=DAY + timedelta(hours=start),
        available_until=DAY + timedelta(hours=draw(st.integers(13, 22))),
        max_distance_m=draw(st.sampled_from([2000.0, 4000.0, 8000.0, 15000.0])),
        priority=draw(st.sampled_from([0, 0, 0, 1, 2, 3])),
    )


@st.composite
def orders(draw: st.DrawFn, oid: str, crowded: bool) -> Order:
    lat, lon = at_km(draw(st.floats(-3, 3)), draw(st.floats(-3, 3)))
    start = draw(st.integers(8, 16))
    return Order(
        id=oid,
        lat=lat,
        lon=lon,
        # "cook" stays worker-only so some skills are unused.
        skill="moving" if crowded else draw(st.sampled_from(SKILLS[:2])),
        headcount=draw(st.integers(1, 3)),
        starts_at=DAY + timedelta(hours=start),
        ends_at=DAY + timedelta(hours=draw(st.integers(start + 1, min(start + 5, 21)))),
    )


@st.composite
def tiny_instances(draw: st.DrawFn, mode: Mode) -> Instance:
    """Up to 6 workers and 4 orders, with random forbids and random valid pins.

    Half are "crowded" (one skill, everyone near), so workers compete for slots and the
    priority and distance tie-breaks decide.
    """
    crowded = draw(st.booleans())
    ws = [draw(workers(f"w{i}", crowded)) for i in range(draw(st.integers(0, 6)))]
    os_ = [draw(orders(f"o{j}", crowded)) for j in range(draw(st.integers(0, 4)))]
    cap = draw(st.sampled_from([None, 3000.0, 6000.0]))
    all_pairs = [Pair(w.id, o.id) for w in ws for o in os_]
    forbidden = draw(st.lists(st.sampled_from(all_pairs), max_size=3, unique=True)) if all_pairs else []
    base = Instance(workers=ws, orders=os_, params=Params(max_distance_m=cap), forbidden=forbidden)
    eligible = sorted(eligible_pairs(base))
    chosen = draw(st.lists(st.sampled_from(eligible), max_size=3, unique=True)) if eligible else []
    by_id = {o.id: o for o in os_}
    pins: list[Pair] = []
    for wid, oid in chosen:
        mine = [by_id[p.order_id] for p in pins if p.worker_id == wid]
        o = by_id[oid]
        if mode == "quick" and mine:
            continue
        if any(o.starts_at < m.ends_at and m.starts_at < o.ends_at for m in mine):
            continue
        if sum(p.order_id == oid for p in pins) >= o.headcount:
            continue
        pins.append(Pair(wid, oid))
    return msgspec.structs.replace(base, pinned=pins)


def _check(instance: Instance, mode: Mode, opts: FlowOptions | None = None) -> None:
    solution = solve(instance, mode, flow_options=opts)
    assert check_solution(instance, solution, mode) == []
    assert solution.optimal
    assert solution.bound is None
    expected = brute_force(instance, mode)
    assert expected is not None
    assert solution.objective == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances("quick"))
def test_quick_matches_brute_force(instance: Instance) -> None:
    _check(instance, "quick")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances("day"))
def test_day_matches_brute_force(instance: Instance) -> None:
    _check(instance, "day")


@pytest.mark.parametrize(
    "opts",
    [
        FlowOptions(),
        FlowOptions(decompose=False, compiled=False),
        FlowOptions(decompose=True, closed_form_stars=False, compiled=False),
        FlowOptions(decompose=False, small_weight_first=False, compiled=False),
        FlowOptions(force_fallback=True),
    ],
    ids=["default-compiled-engine", "one-flow", "no-stars", "safe-weight-only", "cp-sat-fallback"],
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=tiny_instances("quick"))
def test_every_flow_path_is_optimal(opts: FlowOptions, instance: Instance) -> None:
    _check(instance, "quick", opts)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances("quick"))
def test_best_priority_from_max_flows_matches_brute_force(instance: Instance) -> None:
    # The certificate behind the small-weight fast path: P* from plain max flows.
    plain = msgspec.structs.replace(instance, pinned=[])
    ix = index_instance(plain)
    cand = candidates(ix)
    expected = brute_force(plain, "quick")
    assert expected is not None
    if len(cand) == 0:
        return
    prio = ix.worker_priority[cand.worker]
    flow = solve(plain).objective.filled
    got = _best_priority(cand.worker, cand.order, prio, ix.headcount, len(ix.workers), len(ix.orders), flow)
    assert got == expected.priority
