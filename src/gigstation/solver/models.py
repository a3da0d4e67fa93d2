"""Frozen msgspec structs for the matching engine's input and output.

Inputs forbid unknown fields and check cross-field rules in ``__post_init__``, so an
``Instance`` that decoded is valid. Datetimes must carry a UTC offset (RFC 3339).

Distances: every eligible (worker, order) pair's great-circle distance is rounded to
the nearest metre exactly once, when candidates are generated. Eligibility compares
the unrounded distance with the limits; the objective sums the rounded integers, so it
is exact integer arithmetic and two solvers agree on it to the metre.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

__all__ = [
    "Assignment",
    "Instance",
    "Mode",
    "Objective",
    "Order",
    "Pair",
    "Params",
    "Reason",
    "Recommendation",
    "Solution",
    "Unfilled",
    "Worker",
]

Latitude = Annotated[float, Meta(ge=-90.0, le=90.0)]
Longitude = Annotated[float, Meta(ge=-180.0, le=180.0)]
AwareDatetime = Annotated[datetime, Meta(tz=True)]
Metres = Annotated[float, Meta(ge=0.0)]
Id = Annotated[str, Meta(min_length=1, max_length=128)]
# Priorities are small ranks (0-3 in practice); the cap keeps the flow costs in int64.
Priority = Annotated[int, Meta(ge=0, le=1000)]
Headcount = Annotated[int, Meta(ge=1, le=10_000)]

Mode = Literal["quick", "day"]
Reason = Literal["no_skilled_worker", "too_far", "not_available", "taken_by_other_orders"]


class Worker(Struct, frozen=True, forbid_unknown_fields=True):
    """A checked-in worker: where they are, what they can do, when and how far."""

    id: Id
    lat: Latitude
    lon: Longitude
    skills: list[str]
    available_from: AwareDatetime
    available_until: AwareDatetime
    max_distance_m: Metres
    priority: Priority = 0

    def __post_init__(self) -> None:
        if self.available_until < self.available_from:
            raise ValueError(f"worker {self.id}: available_until is before available_from")


class Order(Struct, frozen=True, forbid_unknown_fields=True):
    """An open order: ``headcount`` slots of one skill, at one place, in one window."""

    id: Id
    lat: Latitude
    lon: Longitude
    skill: str
    headcount: Headcount
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    def __post_init__(self) -> None:
        if self.ends_at <= self.starts_at:
            raise ValueError(f"order {self.id}: ends_at must be after starts_at")


class Params(Struct, frozen=True, forbid_unknown_fields=True):
    """Instance-wide limits; ``max_distance_m`` caps every worker's own limit."""

    max_distance_m: Metres | None = None


class Pair(Struct, frozen=True, forbid_unknown_fields=True):
    """A (worker, order) pair, used for pins and forbids."""

    worker_id: str
    order_id: str


class Instance(Struct, frozen=True, forbid_unknown_fields=True):
    """Everything the solver needs; ids must be unique within workers and orders."""

    workers: list[Worker]
    orders: list[Order]
    params: Params = Params()
    pinned: list[Pair] = []
    forbidden: list[Pair] = []

    def __post_init__(self) -> None:
        for kind, ids in (("worker", [w.id for w in self.workers]), ("order", [o.id for o in self.orders])):
            duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
            if duplicates:
                raise ValueError(f"duplicate {kind} ids: {', '.join(duplicates)}")


class Assignment(Struct, frozen=True):
    """One filled slot; ``distance_m`` is the pair's rounded great-circle distance."""

    worker_id: str
    order_id: str
    distance_m: int


class Unfilled(Struct, frozen=True):
    """Slots of an order left empty, with the reason (see ``explain``)."""

    order_id: str
    missing: int
    reason: Reason


class Objective(Struct, frozen=True, order=True):
    """The lexicographic objective: more ``filled``, then more ``priority``, then less ``distance_m``."""

    filled: int
    priority: int
    distance_m: int

    def key(self) -> tuple[int, int, int]:
        """A tuple whose natural order is the objective's order (larger is better)."""
        return (self.filled, self.priority, -self.distance_m)


class Solution(Struct, frozen=True):
    """The solver's answer.

    ``optimal`` is True when the objective is proven lexicographically optimal. When a
    time limit stopped the search, ``bound`` is a lexicographic bound: no feasible
    solution has an objective lexicographically better than it.
    """

    assignments: list[Assignment]
    unfilled: list[Unfilled]
    objective: Objective
    optimal: bool
    solve_ms: float
    bound: Objective | None = None
    mode: Mode = "quick"


IneligibleReason = Literal["no_skill", "too_far", "not_available", "forbidden"]


class Recommendation(Struct, frozen=True):
    """One worker ranked for one order, with what taking them would cost elsewhere.

    ``loss`` is the optimal objective minus the optimum with this pair pinned: slots lost,
    priority lost, extra metres. ``Objective(0, 0, 0)`` means taking this worker is free
    (it is in an optimal solution); ``None`` when the pair cannot be pinned (ineligible,
    or the worker is already pinned elsewhere).
    """

    worker_id: str
    distance_m: int
    priority: int
    eligible: bool
    ineligible_reason: IneligibleReason | None
    assigned_here: bool
    assigned_elsewhere: list[str]
    forced_objective: Objective | None
    loss: Objective | None


def decode_instance(data: bytes) -> Instance:
    """Decode and validate an instance from JSON bytes."""
    return msgspec.json.decode(data, type=Instance)
