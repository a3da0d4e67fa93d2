"""The solver's errors; callers map them to HTTP or exit codes at the edge."""

from __future__ import annotations

__all__ = ["InvalidPin", "SolverError", "UnknownOrder"]


class SolverError(Exception):
    """Base class for every error the solver raises on purpose."""


class InvalidPin(SolverError):
    """A pinned pair cannot be part of any feasible solution; the message names it."""


class UnknownOrder(SolverError):
    """An order id that the instance does not contain."""
