"""Builders for hand-made solver instances: one place (Qingpu) and one day, offsets in km and hours."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from gigstation.solver import Instance, Order, Pair, Params, Worker

SHANGHAI = timezone(timedelta(hours=8))
DAY = datetime(2026, 11, 22, tzinfo=SHANGHAI)
BASE_LAT, BASE_LON = 31.15, 121.12
SKILLS = ["moving", "cleaning", "cook", "driver"]


def at_km(north_km: float, east_km: float) -> tuple[float, float]:
    """A point offset from the base by roughly the given kilometres."""
    lat = BASE_LAT + north_km / 111.195
    lon = BASE_LON + east_km / (111.195 * math.cos(math.radians(BASE_LAT)))
    return lat, lon


def worker(
    wid: str,
    north_km: float = 0.0,
    east_km: float = 0.0,
    skills: tuple[str, ...] = ("moving",),
    hours: tuple[float, float] = (6, 22),
    max_km: float = 10.0,
    priority: int = 0,
) -> Worker:
    """A worker at an offset, free for ``hours`` of the test day."""
    lat, lon = at_km(north_km, east_km)
    return Worker(
        id=wid,
        lat=lat,
        lon=lon,
        skills=list(skills),
        available_from=DAY + timedelta(hours=hours[0]),
        available_until=DAY + timedelta(hours=hours[1]),
        max_distance_m=max_km * 1000,
        priority=priority,
    )


def order(
    oid: str,
    north_km: float = 0.0,
    east_km: float = 0.0,
    skill: str = "moving",
    headcount: int = 1,
    hours: tuple[float, float] = (9, 13),
) -> Order:
    """An order at an offset, running ``hours`` of the test day."""
    lat, lon = at_km(north_km, east_km)
    return Order(
        id=oid,
        lat=lat,
        lon=lon,
        skill=skill,
        headcount=headcount,
        starts_at=DAY + timedelta(hours=hours[0]),
        ends_at=DAY + timedelta(hours=hours[1]),
    )


def random_instance(seed: int, n_workers: int = 60, n_orders: int = 20) -> Instance:
    """Workers and orders in a 40 km box with mixed limits, windows and time zones."""
    rng = random.Random(seed)
    zones = [timezone(timedelta(hours=8)), UTC]

    def when(hour: float) -> datetime:
        return (DAY + timedelta(hours=hour)).astimezone(rng.choice(zones))

    workers = [
        Worker(
            id=f"w{i:03d}",
            lat=31.0 + rng.random() * 0.36,
            lon=120.9 + rng.random() * 0.42,
            skills=rng.sample(SKILLS, rng.randint(1, 3)),
            available_from=when(rng.choice([6, 7, 8, 10])),
            available_until=when(rng.choice([12, 16, 18, 22])),
            max_distance_m=rng.choice([0.0, 500.0, 3000.0, 8000.0, 15000.0, 60000.0]),
            priority=rng.choice([0, 0, 1, 3]),
        )
        for i in range(n_workers)
    ]
    orders = []
    for j in range(n_orders):
        start = rng.choice([7, 8, 9, 13])
        orders.append(
            Order(
                id=f"o{j:03d}",
                lat=31.0 + rng.random() * 0.36,
                lon=120.9 + rng.random() * 0.42,
                skill=rng.choice(SKILLS[:3]),
                headcount=rng.randint(1, 4),
                starts_at=when(start),
                ends_at=when(start + rng.choice([2, 4, 8])),
            )
        )
    forbidden = [Pair(f"w{rng.randrange(n_workers):03d}", f"o{rng.randrange(n_orders):03d}") for _ in range(30)]
    cap = rng.choice([None, 5000.0, 20000.0])
    return Instance(workers=workers, orders=orders, params=Params(max_distance_m=cap), forbidden=forbidden)


@pytest.fixture
def make_worker() -> Callable[..., Worker]:
    """Factory for workers; see ``worker``."""
    return worker


@pytest.fixture
def make_order() -> Callable[..., Order]:
    """Factory for orders; see ``order``."""
    return order


@pytest.fixture(scope="session")
def make_random_instance() -> Callable[..., Instance]:
    """Factory for seeded random instances; see ``random_instance``."""
    return random_instance
