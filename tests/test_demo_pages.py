"""`gigstation demo` ends with the page addresses and the account that opens each."""

from __future__ import annotations

import re
from typing import Any

import asyncpg

from gigstation.platform.config import Settings
from gigstation.sim.demo import pages_text, seed_demo
from gigstation.stations import screens


async def test_demo_prints_every_page_with_its_account(settings: Settings, db: asyncpg.Connection[Any]) -> None:
    await seed_demo(settings, n_workers=3)
    text = await pages_text(settings, "http://127.0.0.1:8000")
    station = await db.fetchval("SELECT id FROM stations WHERE name = '夏阳街道零工驿站'")
    for line in (f"http://127.0.0.1:8000/s/{station}", "http://127.0.0.1:8000/worker        13600000000",
                 "/employer      13700000000", "/operator      13900000000", "/admin         13800000000",
                 f"/s/{station}/poster", "/schema/swagger"):
        assert line in text
    token = re.search(rf"/s/{station}/screen/(\S+)", text)
    assert token is not None
    await screens.station_of_screen(db, station, token.group(1))
    assert await screens.opening_hours(db, station) == "每天 06:30–18:00"
