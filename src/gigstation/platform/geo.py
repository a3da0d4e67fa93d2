"""Distances: geopy's great circle, the same formula the solver vectorises."""

from __future__ import annotations

from geopy.distance import great_circle

__all__ = ["distance_m"]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle distance in whole metres, (lat, lon) order."""
    metres: float = great_circle((lat1, lon1), (lat2, lon2)).meters
    return round(metres)
