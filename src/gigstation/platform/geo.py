"""Distances: geopy's great circle, the same formula the solver vectorises."""

from __future__ import annotations

from geopy.distance import great_circle

__all__ = ["SNAP_DEGREES", "distance_m", "snap"]

SNAP_DEGREES = 1e-9
"""Coordinates closer to 0 than this (0.1 mm on the ground) count as 0, here and in the
SQL function ``great_circle_m`` (migration 0004): PostgreSQL raises an underflow error on
products of extremely small magnitudes, so both sides snap the same way and agree."""


def snap(degrees: float) -> float:
    """``degrees``, or 0.0 when its magnitude is below :data:`SNAP_DEGREES`."""
    return 0.0 if abs(degrees) < SNAP_DEGREES else degrees


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle distance in whole metres, (lat, lon) order; total over valid coordinates."""
    metres: float = great_circle((snap(lat1), snap(lon1)), (snap(lat2), snap(lon2))).meters
    return round(metres)
