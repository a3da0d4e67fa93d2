"""The vectorised great-circle distance agrees with geopy's ``great_circle``."""

from __future__ import annotations

import numpy as np
from geopy.distance import EARTH_RADIUS, great_circle
from hypothesis import given, settings
from hypothesis import strategies as st

from gigstation.solver.distance import EARTH_RADIUS_M, Trig, great_circle_m, great_circle_pairs

lats = st.floats(min_value=-90, max_value=90, allow_nan=False)
lons = st.floats(min_value=-180, max_value=180, allow_nan=False)


def test_radius_is_geopys() -> None:
    assert EARTH_RADIUS * 1000 == EARTH_RADIUS_M


@settings(max_examples=300, deadline=None)
@given(lats, lons, lats, lons)
def test_agrees_with_geopy_anywhere(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    expected = great_circle((lat1, lon1), (lat2, lon2)).meters
    assert abs(float(great_circle_m(lat1, lon1, lat2, lon2)) - expected) <= 0.5


@settings(max_examples=100, deadline=None)
@given(st.floats(30.8, 31.4), st.floats(120.8, 121.4), st.floats(-0.2, 0.2), st.floats(-0.2, 0.2))
def test_agrees_with_geopy_nearby(lat: float, lon: float, dlat: float, dlon: float) -> None:
    expected = great_circle((lat, lon), (lat + dlat, lon + dlon)).meters
    assert abs(float(great_circle_m(lat, lon, lat + dlat, lon + dlon)) - expected) <= 0.5


def test_vectorised_shapes_broadcast() -> None:
    out = great_circle_m(np.array([31.0, 31.1]), np.array([121.0, 121.1]), 31.0, 121.0)
    assert out.shape == (2,)
    assert out[0] == 0.0


@settings(max_examples=300, deadline=None)
@given(lats, lons, lats, lons)
def test_precomputed_trig_pairs_agree_with_geopy(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    expected = great_circle((lat1, lon1), (lat2, lon2)).meters
    one = np.zeros(1, dtype=np.int64)
    got = great_circle_pairs(Trig.of([lat1], [lon1]), one, Trig.of([lat2], [lon2]), one)
    assert abs(float(got[0]) - expected) <= 0.5
