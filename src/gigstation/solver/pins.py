"""Validation of pinned pairs: every pin must fit in some feasible solution on its own terms."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from gigstation.solver.candidates import Indexed, check_pairs
from gigstation.solver.errors import InvalidPin
from gigstation.solver.models import Mode, Pair

__all__ = ["Pins", "validate_pins"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class Pins:
    """Validated pins as index arrays, with their rounded distances."""

    worker: IntArray
    order: IntArray
    distance_m: IntArray

    def per_order(self, n_orders: int) -> IntArray:
        """How many slots of each order the pins already fill."""
        return np.bincount(self.order, minlength=n_orders).astype(np.int64)


def _name(pin: Pair) -> str:
    return f"pin ({pin.worker_id!r}, {pin.order_id!r})"


def validate_pins(ix: Indexed, pinned: list[Pair], mode: Mode) -> Pins:
    """Check pins against the rules and raise ``InvalidPin`` naming the first bad one."""
    pins = sorted(pinned, key=lambda p: (p.worker_id, p.order_id))
    for (worker_id, order_id), count in Counter((p.worker_id, p.order_id) for p in pins).items():
        if count > 1:
            raise InvalidPin(f"{_name(Pair(worker_id, order_id))} is given {count} times")
    for pin in pins:
        if pin.worker_id not in ix.worker_index:
            raise InvalidPin(f"{_name(pin)}: unknown worker {pin.worker_id!r}")
        if pin.order_id not in ix.order_index:
            raise InvalidPin(f"{_name(pin)}: unknown order {pin.order_id!r}")
    worker = np.array([ix.worker_index[p.worker_id] for p in pins], dtype=np.int64)
    order = np.array([ix.order_index[p.order_id] for p in pins], dtype=np.int64)
    status = check_pairs(ix, worker, order)
    for k, pin in enumerate(pins):
        for ok, why in (
            (status.skilled, "the worker lacks the order's skill"),
            (status.near, f"the distance {status.distance[k]:.0f} m exceeds the limit"),
            (status.available, "the worker is not available for the order's whole window"),
            (status.allowed, "the pair is forbidden"),
        ):
            if not ok[k]:
                raise InvalidPin(f"{_name(pin)} is not eligible: {why}")
    counts = Counter(p.order_id for p in pins)
    for order_id, count in sorted(counts.items()):
        headcount = ix.orders[ix.order_index[order_id]].headcount
        if count > headcount:
            raise InvalidPin(f"order {order_id!r} has {count} pins but headcount {headcount}")
    by_worker: defaultdict[str, list[Pair]] = defaultdict(list)
    for pin in pins:
        by_worker[pin.worker_id].append(pin)
    for worker_id, own in sorted(by_worker.items()):
        if mode == "quick" and len(own) > 1:
            raise InvalidPin(f"worker {worker_id!r} is pinned to {len(own)} orders in quick mode")
        _check_no_overlap(ix, own)
    return Pins(worker, order, np.rint(status.distance).astype(np.int64))


def _check_no_overlap(ix: Indexed, own: list[Pair]) -> None:
    spans = sorted(own, key=lambda p: (ix.orders[ix.order_index[p.order_id]].starts_at, p.order_id))
    for first, second in pairwise(spans):
        if ix.orders[ix.order_index[second.order_id]].starts_at < ix.orders[ix.order_index[first.order_id]].ends_at:
            raise InvalidPin(f"{_name(second)} overlaps {_name(first)} in time")
