"""Candidate generation finds exactly the pairs, metres and order of a brute-force all-pairs scan.

Two references: geopy over every pair (``reference.eligible_pairs``, independent code,
distances to within rounding), and the formula ``distance.great_circle_pairs`` had in
numpy before it was compiled, over every pair, with the C library's hypot and atan2
(``reference_great_circle_pairs``; the same bits: pairs exactly at a limit and half-metre
ties must come out as they always did).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigstation.solver import Instance, Order, Pair, Params, Worker
from gigstation.solver import candidates as candidates_module
from gigstation.solver.candidates import Candidates, candidates, index_instance
from gigstation.solver.distance import EARTH_RADIUS_M, Trig
from gigstation.solver.reference import eligible_pairs
from tests.solver.conftest import random_instance as seeded_instance

DAY = datetime(2026, 11, 22, tzinfo=UTC)
SKILLS = ["moving", "cleaning", "cook", "driver"]


def _c_library(name: str) -> Callable[[npt.ArrayLike, npt.ArrayLike], npt.NDArray[np.float64]]:
    """The C library's ``name`` (hypot, atan2) element by element: the same bits on every CPU."""
    function = getattr(ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6"), name)
    function.restype, function.argtypes = ctypes.c_double, (ctypes.c_double, ctypes.c_double)
    ufunc = np.frompyfunc(function, 2, 1)
    return lambda p, q: np.asarray(ufunc(p, q), dtype=np.float64)


_hypot, _atan2 = _c_library("hypot"), _c_library("atan2")


def reference_great_circle_pairs(a: Trig, ia: npt.NDArray[np.int64], b: Trig, ib: npt.NDArray[np.int64]) -> np.ndarray:
    """``distance.great_circle_pairs`` as it was in numpy before the compiled kernel, with the C
    library's hypot and atan2 in place of numpy's: numpy's own loops for those two use AVX-512
    where the CPU has it and then round the last bit differently (seen on an AMD EPYC: 9 of
    100,000 pairs 1 ulp apart), while the kernel, like the C library, gives the same bits on
    every machine."""
    sin1, cos1 = a.sin_lat[ia], a.cos_lat[ia]
    sin2, cos2 = b.sin_lat[ib], b.cos_lat[ib]
    sl1, cl1, sl2, cl2 = a.sin_lon[ia], a.cos_lon[ia], b.sin_lon[ib], b.cos_lon[ib]
    cos_dl = cl2 * cl1 + sl2 * sl1
    sin_dl = sl2 * cl1 - cl2 * sl1
    y = _hypot(cos2 * sin_dl, cos1 * sin2 - sin1 * cos2 * cos_dl)
    x = sin1 * sin2 + cos1 * cos2 * cos_dl
    return np.asarray(EARTH_RADIUS_M * _atan2(y, x), dtype=np.float64)


def _trig(points: list[tuple[float, float]]) -> Trig:
    return Trig.of([p[0] for p in points], [p[1] for p in points])


def _metres_between(p: tuple[float, float], q: tuple[float, float]) -> float:
    one = np.zeros(1, dtype=np.int64)
    return float(reference_great_circle_pairs(_trig([p]), one, _trig([q]), one)[0])


def brute_force(instance: Instance) -> Candidates:
    """Every pair looked at, with the reference formula; in (worker, order) order."""
    workers = sorted(instance.workers, key=lambda w: w.id)
    orders = sorted(instance.orders, key=lambda o: o.id)
    forbidden = {(p.worker_id, p.order_id) for p in instance.forbidden}
    cap = instance.params.max_distance_m
    ia = np.repeat(np.arange(len(workers), dtype=np.int64), len(orders))
    ib = np.tile(np.arange(len(orders), dtype=np.int64), len(workers))
    dist = reference_great_circle_pairs(
        _trig([(w.lat, w.lon) for w in workers]), ia, _trig([(o.lat, o.lon) for o in orders]), ib
    )
    keep = []
    for k, (i, j) in enumerate(zip(ia.tolist(), ib.tolist(), strict=True)):
        w, o = workers[i], orders[j]
        limit = w.max_distance_m if cap is None else min(w.max_distance_m, cap)
        keep.append(
            o.skill in w.skills
            and w.available_from <= o.starts_at
            and o.ends_at <= w.available_until
            and (w.id, o.id) not in forbidden
            and bool(dist[k] <= limit)
        )
    mask = np.array(keep, dtype=np.bool_)
    return Candidates(ia[mask], ib[mask], np.rint(dist[mask]).astype(np.int64))


@contextmanager
def cells_of_reach(fraction: float) -> Iterator[None]:
    """Run with grid cells of another size (the answer must not depend on it)."""
    saved = candidates_module._CELL_OF_REACH
    candidates_module._CELL_OF_REACH = fraction
    try:
        yield
    finally:
        candidates_module._CELL_OF_REACH = saved


def assert_same(got: Candidates, expected: Candidates) -> None:
    """Same pairs, same rounded metres, same (worker, order) order."""
    assert np.array_equal(got.worker, expected.worker)
    assert np.array_equal(got.order, expected.order)
    assert np.array_equal(got.distance_m, expected.distance_m)


# Where points are drawn: around Qingpu, anywhere, across the antimeridian, at the poles.
REGIONS = {
    "local": ((31.0, 31.2), (121.0, 121.25)),
    "anywhere": ((-90.0, 90.0), (-180.0, 180.0)),
    "antimeridian": ((-5.0, 5.0), (179.9, 180.1)),
    "north pole": ((89.95, 90.0), (-180.0, 180.0)),
    "south pole": ((-90.0, -89.95), (-180.0, 180.0)),
}
LIMITS = [0.0, 1.0, 500.0, 3000.0, 8000.0, 60_000.0, 25_000_000.0]


def _wrap_lon(lon: float) -> float:
    return lon - 360.0 if lon > 180.0 else lon


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    """Small instances with the edge cases: none of one side, shared points, limits of 0,
    pairs exactly at a limit, skills nobody has, duplicate skills, forbids, mixed zones."""
    (lat_lo, lat_hi), (lon_lo, lon_hi) = REGIONS[draw(st.sampled_from(sorted(REGIONS)))]
    n_workers, n_orders = draw(st.integers(0, 10)), draw(st.integers(0, 8))

    def point() -> tuple[float, float]:
        lat = draw(st.floats(lat_lo, lat_hi))
        return lat, _wrap_lon(draw(st.floats(lon_lo, lon_hi)))

    zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))])
    order_points = [point() for _ in range(n_orders)]
    orders = []
    for j, (lat, lon) in enumerate(order_points):
        start = draw(st.sampled_from([7, 8, 9, 13]))
        orders.append(
            Order(
                id=f"o{j}",
                lat=lat,
                lon=lon,
                skill=draw(st.sampled_from([*SKILLS, "welding"])),
                headcount=draw(st.integers(1, 3)),
                starts_at=(DAY + timedelta(hours=start)).astimezone(draw(zones)),
                ends_at=(DAY + timedelta(hours=start + draw(st.sampled_from([1, 4, 8])))).astimezone(draw(zones)),
            )
        )
    workers = []
    for i in range(n_workers):
        # Some workers stand exactly on an order; some limits are exactly a pair's distance.
        lat, lon = draw(st.sampled_from(order_points)) if order_points and draw(st.booleans()) else point()
        limit = draw(st.sampled_from(LIMITS))
        if order_points and draw(st.booleans()):
            target = draw(st.sampled_from(order_points))
            exact = _metres_between((lat, lon), target)
            limit = draw(st.sampled_from([exact, math.nextafter(exact, 0.0), math.nextafter(exact, math.inf)]))
        workers.append(
            Worker(
                id=f"w{i}",
                lat=lat,
                lon=lon,
                skills=draw(st.lists(st.sampled_from([*SKILLS, "painting"]), max_size=4)),
                available_from=(DAY + timedelta(hours=draw(st.sampled_from([6, 8, 10])))).astimezone(draw(zones)),
                available_until=(DAY + timedelta(hours=draw(st.sampled_from([12, 17, 22])))).astimezone(draw(zones)),
                max_distance_m=max(limit, 0.0),
                priority=0,
            )
        )
    forbidden = [
        Pair(f"w{draw(st.integers(0, n_workers))}", f"o{draw(st.integers(0, n_orders))}")
        for _ in range(draw(st.integers(0, 6)))
    ]
    cap = draw(st.sampled_from([None, 0.0, 5000.0, 2_000_000.0]))
    return Instance(workers=workers, orders=orders, params=Params(max_distance_m=cap), forbidden=forbidden)


@pytest.mark.parametrize("fraction", [0.2, 1.0, 5.0], ids=["small cells", "default cells", "large cells"])
@settings(max_examples=150, deadline=None)
@given(instance=instances())
def test_same_pairs_metres_and_order_as_brute_force(fraction: float, instance: Instance) -> None:
    with cells_of_reach(fraction):
        got = candidates(index_instance(instance))
    assert_same(got, brute_force(instance))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6))
def test_agrees_with_geopy_all_pairs_scan(make_random_instance: Callable[..., Instance], seed: int) -> None:
    instance = make_random_instance(seed)
    ix = index_instance(instance)
    cand = candidates(ix)
    got = {
        (ix.workers[w].id, ix.orders[o].id): d
        for w, o, d in zip(cand.worker.tolist(), cand.order.tolist(), cand.distance_m.tolist(), strict=True)
    }
    expected = eligible_pairs(instance)
    assert len(got) == len(cand), "a pair was produced twice"
    assert set(got) == set(expected)
    for pair, dist in expected.items():
        assert abs(got[pair] - dist) <= 0.5 + 1e-6
    assert_same(cand, brute_force(instance))


def _worker_at(wid: str, lat: float, lon: float, limit: float) -> Worker:
    return Worker(
        id=wid, lat=lat, lon=lon, skills=["moving"], available_from=DAY, available_until=DAY + timedelta(hours=23),
        max_distance_m=limit,
    )  # fmt: skip


def _order_at(oid: str, lat: float, lon: float) -> Order:
    return Order(
        id=oid, lat=lat, lon=lon, skill="moving", headcount=1,
        starts_at=DAY + timedelta(hours=9), ends_at=DAY + timedelta(hours=10),
    )  # fmt: skip


@pytest.mark.parametrize("bearing", ["north", "east", "north-east"])
def test_half_metre_ties_round_as_before(bearing: str) -> None:
    """Orders placed at k + 0.5 m (to within 1e-9 m): the rounding is decided by the last bits."""
    lat0, lon0 = 31.15, 121.12
    per_metre = math.degrees(1.0 / EARTH_RADIUS_M)
    orders = []
    for k in range(0, 9000, 7):
        step = (k + 0.5) * per_metre
        north = {"north": step, "east": 0.0, "north-east": step / 2**0.5}[bearing]
        east = {"north": 0.0, "east": step, "north-east": step / 2**0.5}[bearing]
        d_lat, d_lon = north, east / math.cos(math.radians(lat0))
        orders.append(_order_at(f"o{k:05d}", lat0 + d_lat, lon0 + d_lon))
    instance = Instance(workers=[_worker_at("w", lat0, lon0, 10_000.0)], orders=orders)
    expected = brute_force(instance)
    assert len(expected) == len(orders)
    assert_same(candidates(index_instance(instance)), expected)


def test_pairs_exactly_at_the_limit_are_kept_and_a_hair_beyond_dropped() -> None:
    order = _order_at("o", 31.2, 121.2)
    exact = _metres_between((31.15, 121.12), (31.2, 121.2))
    at = _worker_at("at", 31.15, 121.12, exact)
    beyond = _worker_at("beyond", 31.15, 121.12, math.nextafter(exact, 0.0))
    cand = candidates(index_instance(Instance(workers=[at, beyond], orders=[order])))
    assert cand.worker.tolist() == [0]
    assert cand.distance_m.tolist() == [round(exact)]


def test_forbids_with_unknown_ids_are_ignored(make_random_instance: Callable[..., Instance]) -> None:
    instance = make_random_instance(1, 10, 5)
    noisy = Instance(instance.workers, instance.orders, instance.params, [], [*instance.forbidden, Pair("x", "y")])
    assert_same(candidates(index_instance(noisy)), candidates(index_instance(instance)))


@pytest.mark.parametrize("seed", [3, 4])
def test_no_pairs_when_nobody_has_the_skill(make_random_instance: Callable[..., Instance], seed: int) -> None:
    instance = make_random_instance(seed, 20, 10)
    only_drivers = Instance(
        workers=[Worker(**{**_fields(w), "skills": ["driver"]}) for w in instance.workers],
        orders=instance.orders,
    )
    assert len(candidates(index_instance(only_drivers))) == 0


@pytest.mark.parametrize(("n_workers", "n_orders"), [(0, 0), (0, 5), (5, 0)])
def test_empty_sides_give_no_pairs(
    make_random_instance: Callable[..., Instance], n_workers: int, n_orders: int
) -> None:
    instance = make_random_instance(7, max(n_workers, 1), max(n_orders, 1))
    instance = Instance(workers=instance.workers[:n_workers], orders=instance.orders[:n_orders])
    cand = candidates(index_instance(instance))
    assert len(cand) == 0
    assert cand.worker.dtype == cand.order.dtype == cand.distance_m.dtype == np.int64


def _fields(w: Worker) -> dict[str, object]:
    return {f: getattr(w, f) for f in w.__struct_fields__}


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**9), st.integers(2, 400))
def test_two_threads_give_the_pairs_of_one(seed: int, n_workers: int) -> None:
    """Workers split over two threads: the same pairs, in the same (worker, order) order (forbids included)."""
    instance = seeded_instance(seed, n_workers=n_workers, n_orders=max(n_workers // 3, 1))
    ix = index_instance(instance)
    one = candidates(ix, halves=False)
    two = candidates(ix, halves=True)
    assert np.array_equal(one.worker, two.worker)
    assert np.array_equal(one.order, two.order)
    assert np.array_equal(one.distance_m, two.distance_m)
