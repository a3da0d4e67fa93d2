"""Compiled kernels: the exact pair distance and a uniform 3-D grid search for eligible pairs.

Points live on the unit sphere as 3-D vectors; the grid's cubic cells partition space,
so poles and the antimeridian need no special case. Chord length is monotone in arc
length, so a worker's distance limit becomes a chord threshold: pairs clearly inside
it are accepted and pairs clearly outside rejected on three multiplications; only pairs
within a hair of the limit (relative 1e-9 plus 6 micrometres, far above the 1e-15 error
of either computation) are decided by the exact distance. The exact distance is the one
``distance.great_circle_pairs`` has always used (geopy's atan2 form from precomputed
sines and cosines, evaluated in the same order, with the C library's hypot and atan2),
so the pairs and the rounded metres are the same bits as before, on every CPU (numpy's
own hypot and arctan2 use AVX-512 where they can and may differ in the last bit).

Pairs come out grouped by worker (ascending index) and, within a worker, by ascending
order index: the lexicographic (worker, order) order, whatever the grid's cell size.

Each side of the pairs is passed as two 2-D arrays (``GEO`` rows: unit vector and the
sines and cosines; ``WINDOW`` rows: the time window in integer microseconds), not as
tuples: numba checks plain array arguments on each call in microseconds, a named tuple
of arrays in about a millisecond, which a 500 x 150 station would notice.

Everything a kernel calls lives in this module: numba's disk cache does not notice
changes to compiled functions in other files.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from gigstation.solver.jit import inlined, kernel

__all__ = [
    "CLOSES",
    "COS_LAT",
    "COS_LON",
    "GEO_ROWS",
    "OPENS",
    "SIN_LAT",
    "SIN_LON",
    "X",
    "Y",
    "Z",
    "arc_m",
    "build_grid",
    "eligible_pass",
    "other_workers_near",
    "pair_distances",
]  # fmt: skip

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
UIntArray = npt.NDArray[np.uint64]

# Rows of a side's GEO array: the unit vector, then the sines and cosines of lat and lon.
X, Y, Z, SIN_LAT, COS_LAT, SIN_LON, COS_LON = range(7)
GEO_ROWS = 7
# Rows of a side's WINDOW array: when it opens and closes (workers: available from / until;
# orders: starts / ends).
OPENS, CLOSES = 0, 1

# Pairs whose chord is below this (squared; 0.02 on the unit sphere is 127 km) get their
# rounded metres from a series instead of atan2, unless within this of a half metre.
_SERIES_CHORD2 = 0.02**2
_TIE_GUARD_M = 1e-6
_DEBRUIJN = np.uint64(0x03F79D71B4CB0A89)
_DEBRUIJN_INDEX = np.zeros(64, dtype=np.int64)
for _bit in range(64):
    _DEBRUIJN_INDEX[((1 << _bit) * 0x03F79D71B4CB0A89 & 0xFFFFFFFFFFFFFFFF) >> 58] = _bit


@kernel
def arc_m(
    sin1: float, cos1: float, sl1: float, cl1: float, sin2: float, cos2: float, sl2: float, cl2: float, radius: float
) -> float:
    """Great-circle distance from precomputed sines and cosines (geopy's atan2 form)."""
    cos_dl = cl2 * cl1 + sl2 * sl1
    sin_dl = sl2 * cl1 - cl2 * sl1
    y = math.hypot(cos2 * sin_dl, cos1 * sin2 - sin1 * cos2 * cos_dl)
    x = sin1 * sin2 + cos1 * cos2 * cos_dl
    return radius * math.atan2(y, x)


@kernel
def pair_distances(
    sin_lat1: FloatArray,
    cos_lat1: FloatArray,
    sin_lon1: FloatArray,
    cos_lon1: FloatArray,
    ia: IntArray,
    sin_lat2: FloatArray,
    cos_lat2: FloatArray,
    sin_lon2: FloatArray,
    cos_lon2: FloatArray,
    ib: IntArray,
    radius: float,
) -> FloatArray:
    """``arc_m`` for each pair (point ia[k] of side 1, point ib[k] of side 2)."""
    out = np.empty(ia.shape[0], dtype=np.float64)
    for k in range(ia.shape[0]):
        i, j = ia[k], ib[k]
        out[k] = arc_m(
            sin_lat1[i],
            cos_lat1[i],
            sin_lon1[i],
            cos_lon1[i],
            sin_lat2[j],
            cos_lat2[j],
            sin_lon2[j],
            cos_lon2[j],
            radius,
        )
    return out


@inlined
def _arc_between(wg: FloatArray, i: int, og: FloatArray, k: int, radius: float) -> float:
    return arc_m(
        wg[SIN_LAT, i], wg[COS_LAT, i], wg[SIN_LON, i], wg[COS_LON, i],
        og[SIN_LAT, k], og[COS_LAT, k], og[SIN_LON, k], og[COS_LON, k], radius,
    )  # fmt: skip


@kernel
def _cell_index(value: float, lo: float, per_cell: float, n: int) -> int:
    # per_cell = 1 / cell: a multiplication is monotone too, and far cheaper than a division.
    c = math.floor((value - lo) * per_cell)
    return int(min(max(c, 0), n - 1))


@kernel
def _gap(value: float, lo: float, cell: float, c: int) -> float:
    """Distance along one axis from ``value`` to cell c, less a slack far above the rounding of
    ``_cell_index`` (so a point on a cell's edge is never pruned)."""
    left = lo + c * cell
    gap = max(left - value, value - (left + cell), 0.0)
    return max(gap - 1e-12, 0.0)


@kernel
def build_grid(
    geo: FloatArray, skill: IntArray, lo: FloatArray, per_cell: float, dims: IntArray, n_skills: int
) -> tuple[IntArray, IntArray]:
    """Bucket offsets and the permutation of points into (skill, cell x, cell y, cell z) buckets,
    in that order of significance (a counting sort; each bucket ascending).

    Skill-major: the cells of one z-run of one skill are one contiguous range.
    """
    n_buckets = n_skills * dims[0] * dims[1] * dims[2]
    bucket = np.empty(skill.shape[0], dtype=np.int64)
    start = np.zeros(n_buckets + 1, dtype=np.int64)
    for j in range(skill.shape[0]):
        cx = _cell_index(geo[X, j], lo[0], per_cell, dims[0])
        cy = _cell_index(geo[Y, j], lo[1], per_cell, dims[1])
        cz = _cell_index(geo[Z, j], lo[2], per_cell, dims[2])
        bucket[j] = ((skill[j] * dims[0] + cx) * dims[1] + cy) * dims[2] + cz
        start[bucket[j] + 1] += 1
    for b in range(n_buckets):
        start[b + 1] += start[b]
    cursor = start[:-1].copy()
    perm = np.empty(skill.shape[0], dtype=np.int64)
    for j in range(skill.shape[0]):
        perm[cursor[bucket[j]]] = j
        cursor[bucket[j]] += 1
    return start, perm


@inlined
def _in_sorted(values: IntArray, lo: int, hi: int, key: int) -> bool:
    """Whether ``key`` is in values[lo:hi] (sorted), by binary search."""
    end = hi
    while lo < hi:
        mid = (lo + hi) >> 1
        if values[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo < end and values[lo] == key


@kernel
def _rounded_metres(
    c2: float,
    sin1: float,
    cos1: float,
    sl1: float,
    cl1: float,
    sin2: float,
    cos2: float,
    sl2: float,
    cl2: float,
    radius: float,
) -> int:
    """``rint(arc_m(...))`` without the atan2 for all but a few pairs.

    Below a chord of 0.02 (127 km) the arc is 2 R asin(c / 2) by its Taylor series to
    x**9 (truncation below 1e-20 relative). It differs from ``arc_m`` by under 1e-7 m
    (the chord's own error, ~2e-15 on the unit sphere, dominates), so when it lies more
    than ``_TIE_GUARD_M`` from a half metre both round to the same integer; otherwise,
    and for long chords, ``arc_m`` itself is rounded.
    """
    if c2 <= _SERIES_CHORD2:
        x = math.sqrt(c2) * 0.5
        x2 = x * x
        d = 2.0 * radius * x * (1.0 + x2 * (1.0 / 6.0 + x2 * (3.0 / 40.0 + x2 * (5.0 / 112.0 + x2 * (35.0 / 1152.0)))))
        if abs(d - math.floor(d) - 0.5) > _TIE_GUARD_M:
            return int(np.rint(d))
    return int(np.rint(arc_m(sin1, cos1, sl1, cl1, sin2, cos2, sl2, cl2, radius)))


@inlined
def _gather(
    i: int,
    wg: FloatArray,
    ww: IntArray,
    inner2: FloatArray,
    outer: FloatArray,
    skill_first: IntArray,
    skill_code: IntArray,
    lo: FloatArray,
    cell: float,
    per_cell: float,
    dims: IntArray,
    start: IntArray,
    og: FloatArray,
    ow: IntArray,
    store: bool,
    hits: IntArray,
    hit_c2: FloatArray,
) -> tuple[int, int]:
    """The orders (bucket positions) with one of worker i's skills, within its outer chord and
    inside its time window: how many, and how many of them lie in the band beyond the inner
    chord (to be decided exactly).

    With ``store``, their positions and squared chords go to ``hits`` / ``hit_c2``.
    Branch-free: every candidate is written and the count advances only when it passes,
    because a random third of them pass and a mispredicted branch costs more than the
    test. An order sits in one bucket, so ``hits`` needs one slot per order at most.
    """
    r = outer[i]
    r2 = r * r
    inner = inner2[i]
    wx, wy, wz = wg[X, i], wg[Y, i], wg[Z, i]
    free_from, free_until = ww[OPENS, i], ww[CLOSES, i]
    ox, oy, oz, opens, closes = og[X], og[Y], og[Z], ow[OPENS], ow[CLOSES]
    x0 = _cell_index(wx - r, lo[0], per_cell, dims[0])
    x1 = _cell_index(wx + r, lo[0], per_cell, dims[0])
    y0 = _cell_index(wy - r, lo[1], per_cell, dims[1])
    y1 = _cell_index(wy + r, lo[1], per_cell, dims[1])
    n = 0
    band = 0
    for s in range(skill_first[i], skill_first[i + 1]):
        code = skill_code[s]
        for cx in range(x0, x1 + 1):
            gap_x = _gap(wx, lo[0], cell, cx)
            for cy in range(y0, y1 + 1):
                # Only the cells whose box meets the ball of radius r around the worker.
                rest = r2 - gap_x * gap_x - _gap(wy, lo[1], cell, cy) ** 2
                if rest < 0.0:
                    continue
                reach_z = math.sqrt(rest)
                z0 = _cell_index(wz - reach_z, lo[2], per_cell, dims[2])
                z1 = _cell_index(wz + reach_z, lo[2], per_cell, dims[2])
                row = ((code * dims[0] + cx) * dims[1] + cy) * dims[2]
                first, last = start[row + z0], start[row + z1 + 1]
                if store:
                    for k in range(first, last):
                        dx, dy, dz = ox[k] - wx, oy[k] - wy, oz[k] - wz
                        c2 = dx * dx + dy * dy + dz * dz
                        hits[n] = k
                        hit_c2[n] = c2
                        n += (c2 <= r2) & (free_from <= opens[k]) & (closes[k] <= free_until)
                else:
                    for k in range(first, last):
                        dx, dy, dz = ox[k] - wx, oy[k] - wy, oz[k] - wz
                        c2 = dx * dx + dy * dy + dz * dz
                        ok = (c2 <= r2) & (free_from <= opens[k]) & (closes[k] <= free_until)
                        n += ok
                        band += ok & (c2 > inner)
    return n, band


@inlined
def _scan_worker(
    i: int,
    wg: FloatArray,
    ww: IntArray,
    limit: FloatArray,
    inner2: FloatArray,
    outer: FloatArray,
    skill_first: IntArray,
    skill_code: IntArray,
    lo: FloatArray,
    cell: float,
    per_cell: float,
    dims: IntArray,
    start: IntArray,
    perm: IntArray,
    og: FloatArray,
    ow: IntArray,
    forbidden: IntArray,
    n_orders: int,
    radius: float,
    hits: IntArray,
    hit_c2: FloatArray,
    fill: bool,
    found_order: IntArray,
    at: int,
    seen: UIntArray,
    metres_of: IntArray,
) -> int:
    """Count worker i's eligible pairs; with ``fill`` also write their orders from ``found_order[at]`` on
    (in grid order), mark them in the bitset ``seen`` and their rounded metres in ``metres_of``."""
    f_lo = f_hi = 0
    if forbidden.shape[0]:
        f_lo = int(np.searchsorted(forbidden, i * n_orders))
        f_hi = int(np.searchsorted(forbidden, (i + 1) * n_orders))
    if not fill:
        # Counting: when no pair needs a closer look (the usual case), the count is final.
        n, band = _gather(
            i, wg, ww, inner2, outer, skill_first, skill_code, lo, cell, per_cell, dims, start, og, ow,
            False, hits, hit_c2,
        )  # fmt: skip
        if band == 0 and f_lo == f_hi:
            return n
    n, band = _gather(
        i, wg, ww, inner2, outer, skill_first, skill_code, lo, cell, per_cell, dims, start, og, ow, True, hits, hit_c2
    )
    inner, reach = inner2[i], limit[i]
    sin1, cos1, sl1, cl1 = wg[SIN_LAT, i], wg[COS_LAT, i], wg[SIN_LON, i], wg[COS_LON, i]
    found = 0
    for h in range(n):
        k, c2 = hits[h], hit_c2[h]
        j = perm[k]
        if f_lo < f_hi and _in_sorted(forbidden, f_lo, f_hi, i * n_orders + j):
            continue
        if c2 > inner:
            d = _arc_between(wg, i, og, k, radius)
            if not d <= reach:
                continue
            metres = int(np.rint(d))
        elif fill:
            metres = _rounded_metres(
                c2, sin1, cos1, sl1, cl1, og[SIN_LAT, k], og[COS_LAT, k], og[SIN_LON, k], og[COS_LON, k], radius
            )
        if fill:
            found_order[at + found] = j
            metres_of[j] = metres
            seen[j >> 6] |= np.uint64(1) << np.uint64(j & 63)
        found += 1
    return found


@kernel
def _lowest_bit(word: np.uint64) -> int:
    """Index of the lowest set bit of a non-zero word (de Bruijn multiplication)."""
    low = word & (~word + np.uint64(1))
    return int(_DEBRUIJN_INDEX[(low * _DEBRUIJN) >> np.uint64(58)])


@inlined
def _emit_ascending(
    found_order: IntArray, a: int, b: int, seen: UIntArray, metres_of: IntArray, metres: IntArray
) -> None:
    """Rewrite found_order[a:b] ascending with metres[a:b] alongside, and clear their bits in ``seen``.

    Walks the bitset between the smallest and largest order when that span is short
    against the count (the usual case: it costs a word per 64 orders), else sorts.
    """
    first, last = found_order[a], found_order[a]
    for k in range(a + 1, b):
        first, last = min(first, found_order[k]), max(last, found_order[k])
    if (last >> 6) - (first >> 6) < 8 * (b - a):
        at = a
        for word_at in range(first >> 6, (last >> 6) + 1):
            word = seen[word_at]
            while word:
                j = (word_at << 6) + _lowest_bit(word)
                found_order[at] = j
                metres[at] = metres_of[j]
                at += 1
                word &= word - np.uint64(1)
            seen[word_at] = 0
    else:
        found_order[a:b].sort()
        for k in range(a, b):
            metres[k] = metres_of[found_order[k]]
            seen[found_order[k] >> 6] = 0


@kernel
def eligible_pass(
    wg: FloatArray,
    ww: IntArray,
    limit: FloatArray,
    inner2: FloatArray,
    outer: FloatArray,
    skill_first: IntArray,
    skill_code: IntArray,
    lo: FloatArray,
    cell: float,
    dims: IntArray,
    start: IntArray,
    perm: IntArray,
    og: FloatArray,
    ow: IntArray,
    forbidden: IntArray,
    n_orders: int,
    radius: float,
    first: int,
    last: int,
    fill: bool,
    offset: IntArray,
    worker: IntArray,
    order: IntArray,
    metres: IntArray,
) -> None:
    """The eligible pairs of workers ``first`` to ``last - 1``, in two passes of this kernel.

    Counting (``fill`` False): ``offset`` (n + 1 zeros) becomes where each worker's pairs
    start. Filling: (worker, order, rounded metres) are written from ``offset[0]`` of the
    output arrays, in (worker, order) order. Disjoint ranges can run in threads at once,
    each into its slice of one set of arrays.

    Workers: ``wg`` / ``ww`` (GEO / WINDOW rows), ``limit`` in metres, ``inner2`` / ``outer``
    the squared accept / reject chords, skill codes as CSR (``skill_first``, ``skill_code``).
    Orders: bucketed by ``build_grid`` (``lo``, ``cell``, ``dims``, ``start``, ``perm``), their
    ``og`` / ``ow`` already permuted into bucket order. A pair is eligible when the order's
    skill is one of the worker's, the worker is available for the order's whole window, the
    distance is within ``limit`` and the key ``worker * n_orders + order`` is not in
    ``forbidden`` (sorted).
    """
    per_cell = 1.0 / cell
    seen = np.zeros((n_orders + 63) // 64, dtype=np.uint64)
    metres_of = np.zeros(n_orders, dtype=np.int64)
    hits = np.empty(n_orders, dtype=np.int64)
    hit_c2 = np.empty(n_orders, dtype=np.float64)
    for j in range(last - first):
        i = first + j
        if fill and offset[j] == offset[j + 1]:
            continue
        a = offset[j]
        found = _scan_worker(
            i, wg, ww, limit, inner2, outer, skill_first, skill_code, lo, cell, per_cell, dims, start, perm, og, ow,
            forbidden, n_orders, radius, hits, hit_c2, fill, order, a, seen, metres_of,
        )  # fmt: skip
        if not fill:
            offset[j + 1] = offset[j] + found
            continue
        b = offset[j + 1]
        if found != b - a:
            raise AssertionError("the fill pass found other pairs than the count pass")
        _emit_ascending(order, a, b, seen, metres_of, metres)
        worker[a:b] = i


@kernel
def other_workers_near(
    orders: IntArray,
    taken_first: IntArray,
    taken: IntArray,
    og: FloatArray,
    wg: FloatArray,
    limit: FloatArray,
    inner2: FloatArray,
    outer: FloatArray,
    skilled_first: IntArray,
    skilled: IntArray,
    order_skill: IntArray,
    radius: float,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """For each order j in ``orders``: is there a worker with its skill, and one also within their
    distance limit, among the workers not in ``taken[taken_first[j]:taken_first[j + 1]]`` (sorted)?

    Time windows and forbids are ignored (the explanation rules test them separately).
    """
    any_skilled = np.zeros(orders.shape[0], dtype=np.bool_)
    any_near = np.zeros(orders.shape[0], dtype=np.bool_)
    for k in range(orders.shape[0]):
        j = orders[k]
        code = order_skill[j]
        lo, hi = taken_first[j], taken_first[j + 1]
        for p in range(skilled_first[code], skilled_first[code + 1]):
            i = skilled[p]
            if lo < hi and _in_sorted(taken, lo, hi, i):
                continue
            any_skilled[k] = True
            dx, dy, dz = og[X, j] - wg[X, i], og[Y, j] - wg[Y, i], og[Z, j] - wg[Z, i]
            c2 = dx * dx + dy * dy + dz * dz
            if c2 > outer[i] * outer[i]:
                continue
            if c2 > inner2[i] and not _arc_between(wg, i, og, j, radius) <= limit[i]:
                continue
            any_near[k] = True
            break
    return any_skilled, any_near
