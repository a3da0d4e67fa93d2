"""Unfilled-slot reasons equal the documented rules applied pair by pair, on random instances
and random (not only optimal) assignments."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gigstation.solver import Instance
from gigstation.solver.candidates import candidates, index_instance
from gigstation.solver.explain import explain_unfilled
from gigstation.solver.models import Reason
from tests.solver.test_candidates import _metres_between, instances


def rule_by_rule(instance: Instance, assigned: dict[str, set[str]]) -> dict[str, Reason]:
    """The module docstring's rules, each pair looked at (numpy formula for the distance)."""
    cap = instance.params.max_distance_m
    forbidden = {(p.worker_id, p.order_id) for p in instance.forbidden}
    out: dict[str, Reason] = {}
    for o in instance.orders:
        if len(assigned.get(o.id, set())) >= o.headcount:
            continue
        others = [w for w in instance.workers if o.skill in w.skills and w.id not in assigned.get(o.id, set())]
        near = [
            w
            for w in others
            if _metres_between((w.lat, w.lon), (o.lat, o.lon))
            <= (w.max_distance_m if cap is None else min(w.max_distance_m, cap))
        ]
        free = [
            w
            for w in near
            if w.available_from <= o.starts_at and o.ends_at <= w.available_until and (w.id, o.id) not in forbidden
        ]
        out[o.id] = (
            "no_skilled_worker" if not others else "too_far" if not near else "not_available" if not free
            else "taken_by_other_orders"
        )  # fmt: skip
    return out


@settings(max_examples=100, deadline=None)
@given(instance=instances(), data=st.data())
def test_reasons_follow_the_rules(instance: Instance, data: st.DataObject) -> None:
    ix = index_instance(instance)
    cand = candidates(ix)
    # Any feasible quick-mode assignment: candidate pairs in a drawn order, taken while they fit.
    order_of_pairs = data.draw(st.permutations(range(len(cand))))
    take = data.draw(st.floats(0.0, 1.0))
    busy: set[int] = set()
    room = ix.headcount.copy()
    chosen: list[int] = []
    for k in order_of_pairs[: int(len(order_of_pairs) * take)]:
        w, o = int(cand.worker[k]), int(cand.order[k])
        if w not in busy and room[o] > 0:
            busy.add(w)
            room[o] -= 1
            chosen.append(k)
    picked = np.array(chosen, dtype=np.int64)
    got = explain_unfilled(ix, cand.worker[picked], cand.order[picked], cand)
    assigned: dict[str, set[str]] = {}
    for k in chosen:
        assigned.setdefault(ix.orders[int(cand.order[k])].id, set()).add(ix.workers[int(cand.worker[k])].id)
    expected = rule_by_rule(instance, assigned)
    assert {u.order_id: u.reason for u in got} == expected
    assert [u.order_id for u in got] == sorted(expected)
    for u in got:
        headcount = next(o.headcount for o in instance.orders if o.id == u.order_id)
        assert u.missing == headcount - len(assigned.get(u.order_id, set()))
