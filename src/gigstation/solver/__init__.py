"""The matching engine: pure, deterministic assignment of workers to order slots.

``solve(instance, mode, time_limit_s)`` returns the lexicographic optimum (most slots
filled, then highest priority sum, then least total distance); ``recommend`` ranks
workers for one order. See ``models`` for the structs.
"""

from gigstation.solver.api import solve
from gigstation.solver.errors import InvalidPin, SolverError, UnknownOrder
from gigstation.solver.models import (
    Assignment,
    Instance,
    Mode,
    Objective,
    Order,
    Pair,
    Params,
    Reason,
    Recommendation,
    Solution,
    Unfilled,
    Worker,
    decode_instance,
)
from gigstation.solver.recommend import recommend

__all__ = [
    "Assignment",
    "Instance",
    "InvalidPin",
    "Mode",
    "Objective",
    "Order",
    "Pair",
    "Params",
    "Reason",
    "Recommendation",
    "Solution",
    "SolverError",
    "Unfilled",
    "UnknownOrder",
    "Worker",
    "decode_instance",
    "recommend",
    "solve",
]
