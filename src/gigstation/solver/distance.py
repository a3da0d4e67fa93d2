"""Vectorised great-circle distance, the same formula and radius as geopy's ``great_circle``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigstation.solver.nearby import pair_distances

__all__ = ["EARTH_RADIUS_M", "Trig", "great_circle_m", "great_circle_pairs", "unit_vectors"]

#: geopy.distance.EARTH_RADIUS (6371.009 km, the IUGG mean radius), in metres.
EARTH_RADIUS_M = 6_371_009.0

FloatArray = npt.NDArray[np.float64]


def great_circle_m(lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike) -> FloatArray:
    """Great-circle distance in metres between broadcastable arrays of points in degrees.

    geopy uses the atan2 (Vincenty special-case) form because it stays accurate for both
    tiny and antipodal separations, unlike the plain spherical law of cosines.
    """
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dlam = np.radians(np.asarray(lon2, dtype=np.float64)) - np.radians(np.asarray(lon1, dtype=np.float64))
    sin1, cos1 = np.sin(phi1), np.cos(phi1)
    sin2, cos2 = np.sin(phi2), np.cos(phi2)
    cos_dl, sin_dl = np.cos(dlam), np.sin(dlam)
    y = np.hypot(cos2 * sin_dl, cos1 * sin2 - sin1 * cos2 * cos_dl)
    x = sin1 * sin2 + cos1 * cos2 * cos_dl
    return np.asarray(EARTH_RADIUS_M * np.arctan2(y, x), dtype=np.float64)


def unit_vectors(lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
    """Points on the unit sphere, shape (n, 3); chord length is monotone in arc length."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


@dataclass(frozen=True, slots=True, eq=False)
class Trig:
    """Sines and cosines of a point set, computed once so pair distances need no sin/cos."""

    sin_lat: FloatArray
    cos_lat: FloatArray
    sin_lon: FloatArray
    cos_lon: FloatArray

    @classmethod
    def of(cls, lat: npt.ArrayLike, lon: npt.ArrayLike) -> Trig:
        """Precompute for points given in degrees."""
        phi = np.radians(np.asarray(lat, dtype=np.float64))
        lam = np.radians(np.asarray(lon, dtype=np.float64))
        return cls(np.sin(phi), np.cos(phi), np.sin(lam), np.cos(lam))


def great_circle_pairs(a: Trig, ia: npt.ArrayLike, b: Trig, ib: npt.ArrayLike) -> FloatArray:
    """``great_circle_m`` for pairs (a[ia], b[ib]); the longitude difference comes from angle-sum identities.

    Compiled (``nearby.arc_m``, the one formula candidate generation also uses):

        cos_dl = cos_lon2 cos_lon1 + sin_lon2 sin_lon1
        sin_dl = sin_lon2 cos_lon1 - cos_lon2 sin_lon1
        y = hypot(cos_lat2 sin_dl, cos_lat1 sin_lat2 - sin_lat1 cos_lat2 cos_dl)
        x = sin_lat1 sin_lat2 + cos_lat1 cos_lat2 cos_dl
        metres = EARTH_RADIUS_M atan2(y, x)
    """
    return pair_distances(
        a.sin_lat, a.cos_lat, a.sin_lon, a.cos_lon, np.ascontiguousarray(ia, dtype=np.int64),
        b.sin_lat, b.cos_lat, b.sin_lon, b.cos_lon, np.ascontiguousarray(ib, dtype=np.int64),
        EARTH_RADIUS_M,
    )  # fmt: skip
