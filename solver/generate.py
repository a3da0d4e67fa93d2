"""Generate the standard benchmark instances (fixed seeds) into solver/instances/.

Workers cluster around Qingpu's town centres, orders around a few industrial hot spots
(plus household jobs near the towns). Skills follow a gig-station mix, most workers
have priority 0, availability and order windows are same-day.

    python solver/generate.py            # all standard instances
    python solver/generate.py station    # one of them
"""

from __future__ import annotations

import gzip
import json
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import msgspec
import numpy as np

from gigstation.solver.models import Instance, Order, Params, Worker

__all__ = ["STANDARD", "Spec", "generate", "main"]

SHANGHAI = timezone(timedelta(hours=8))
DAY = datetime(2026, 11, 22, tzinfo=SHANGHAI)
OUT = Path(__file__).resolve().parent / "instances"
# Logistics and industrial areas (approximate): Qingpu industrial park, Xujing / Hongqiao
# logistics, Huaxin, Zhaoxiang, Baihe.
HOT_SPOTS = [(31.170, 121.075), (31.185, 121.255), (31.225, 121.205), (31.160, 121.200), (31.240, 121.095)]
# Relative frequency of job types at a station; the rest share a small weight.
COMMON = {
    "moving": 10, "loading": 10, "warehouse": 9, "delivery": 6, "cleaning": 8, "housekeeping": 4,
    "kitchen_helper": 5, "dishwashing": 5, "waiter": 4, "construction_helper": 6, "security": 3,
    "greening": 3, "event_staff": 3, "promotion": 2, "forklift": 2, "driver": 2,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Spec:
    """One standard instance: sizes, spread, and whether orders are short (day mode)."""

    name: str
    workers: int
    orders: int
    seed: int
    towns: int = 11
    spread_km: float = 2.5
    day: bool = False
    gzip: bool = False
    # A city is several district-sized areas side by side (same density as a district),
    # each shifted by one tile; 1 means a single area.
    districts: int = 1


STANDARD = [
    Spec("station", 500, 150, seed=1, towns=1, spread_km=2.0),
    Spec("town", 5000, 1500, seed=2, towns=6),
    Spec("district", 20000, 6000, seed=3, gzip=True),
    Spec("day", 1000, 300, seed=4, towns=2, day=True),
]


def _data(name: str) -> dict[str, object]:
    return json.loads((resources.files("gigstation") / "data" / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _skill_weights() -> tuple[list[str], np.ndarray]:
    codes = [str(s["code"]) for s in _data("skills.json")["skills"]]  # type: ignore[index, union-attr]
    weights = np.array([COMMON.get(c, 0.5) for c in codes], dtype=np.float64)
    return codes, weights / weights.sum()


def _jitter(rng: np.random.Generator, centres: np.ndarray, n: int, spread_km: float) -> np.ndarray:
    pick = centres[rng.integers(0, len(centres), n)]
    north = rng.normal(0, spread_km, n) / 111.195
    east = rng.normal(0, spread_km, n) / (111.195 * np.cos(np.radians(pick[:, 0])))
    return np.column_stack((pick[:, 0] + north, pick[:, 1] + east))


def _hour(h: float) -> datetime:
    return DAY + timedelta(minutes=round(h * 60))


# One tile is about 22 km north-south and 28 km east-west: neighbouring districts touch.
TILE = (0.2, 0.3)


def generate(spec: Spec) -> Instance:
    """Build one instance from its spec; the same spec always gives the same instance."""
    if spec.districts > 1:
        return _city(spec)
    return _area(spec)


def _city(spec: Spec) -> Instance:
    """Districts on a grid of tiles, ids prefixed by the district; orders are pooled city-wide."""
    workers: list[Worker] = []
    orders: list[Order] = []
    cols = int(np.ceil(np.sqrt(spec.districts)))
    for k in range(spec.districts):
        part = _area(
            Spec(spec.name, spec.workers // spec.districts, spec.orders // spec.districts, spec.seed * 100 + k)
        )
        north, east = (k // cols) * TILE[0], (k % cols) * TILE[1]
        workers += [
            msgspec.structs.replace(w, id=f"d{k}-{w.id}", lat=round(w.lat + north, 6), lon=round(w.lon + east, 6))
            for w in part.workers
        ]
        orders += [
            msgspec.structs.replace(o, id=f"d{k}-{o.id}", lat=round(o.lat + north, 6), lon=round(o.lon + east, 6))
            for o in part.orders
        ]
    return Instance(workers=workers, orders=orders, params=Params(max_distance_m=8000.0))


def _area(spec: Spec) -> Instance:
    """One district-like area (the towns and hot spots of Qingpu)."""
    rng = np.random.default_rng(spec.seed)
    places = _data("qingpu-stations.json")["places"]  # type: ignore[index]
    towns = np.array([(p["lat"], p["lon"]) for p in places], dtype=np.float64)[: spec.towns]  # type: ignore[union-attr]
    codes, weights = _skill_weights()
    where = _jitter(rng, towns, spec.workers, spec.spread_km)
    workers = []
    for i in range(spec.workers):
        n_skills = int(rng.choice([1, 2, 3, 4], p=[0.45, 0.35, 0.15, 0.05]))
        skills = sorted(str(s) for s in rng.choice(codes, n_skills, replace=False, p=weights))
        start = float(rng.choice([6, 7, 7.5, 8, 9, 12] if spec.day else [6, 7, 7.5, 8, 9]))
        until = float(rng.choice([17, 18, 20, 22]) if spec.day else rng.choice([12, 14, 17, 18, 20]))
        workers.append(
            Worker(
                id=f"w{i:05d}",
                lat=round(float(where[i, 0]), 6),
                lon=round(float(where[i, 1]), 6),
                skills=skills,
                available_from=_hour(start),
                available_until=_hour(until),
                max_distance_m=float(rng.choice([3000, 5000, 5000, 8000, 8000, 10000])),
                priority=int(rng.choice([0, 1, 2, 3], p=[0.8, 0.1, 0.06, 0.04])),
            )
        )
    # Seven in ten orders come from the hot spots, the rest are household jobs near towns.
    n_hot = int(spec.orders * 0.7)
    spots = np.array(HOT_SPOTS, dtype=np.float64)
    if spec.towns <= 3:
        # Small instances keep their orders near their own towns.
        spots = towns
    where = np.vstack((_jitter(rng, spots, n_hot, 3.0), _jitter(rng, towns, spec.orders - n_hot, spec.spread_km)))
    orders = []
    for j in range(spec.orders):
        if spec.day:
            start = float(rng.choice(np.arange(7, 18.5, 0.5)))
            length = float(rng.choice([2, 2.5, 3, 4]))
        else:
            start = float(rng.choice([8, 8.5, 9, 10, 13]))
            length = float(rng.choice([2, 3, 4, 6]))
        orders.append(
            Order(
                id=f"o{j:05d}",
                lat=round(float(where[j, 0]), 6),
                lon=round(float(where[j, 1]), 6),
                skill=str(rng.choice(codes, p=weights)),
                headcount=int(min(1 + rng.geometric(0.45), 10)),
                starts_at=_hour(start),
                ends_at=_hour(min(start + length, 21.0)),
            )
        )
    return Instance(workers=workers, orders=orders, params=Params(max_distance_m=8000.0))


def write(spec: Spec, out: Path = OUT) -> Path:
    """Generate and write one instance; gzip it when the spec says so."""
    out.mkdir(parents=True, exist_ok=True)
    data = msgspec.json.encode(generate(spec))
    path = out / (f"{spec.name}.json.gz" if spec.gzip else f"{spec.name}.json")
    path.write_bytes(gzip.compress(data, mtime=0) if spec.gzip else data)
    return path


def main(argv: list[str]) -> int:
    """Write the named standard instances (all when none is named)."""
    wanted = set(argv) or {s.name for s in STANDARD}
    for spec in STANDARD:
        if spec.name in wanted:
            path = write(spec)
            shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
            print(f"{shown}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
