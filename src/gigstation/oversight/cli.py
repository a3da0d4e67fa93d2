"""The oversight sub-commands, registered on the main parser in one call."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import msgspec

from gigstation.oversight.siting_cli import add_plan_parser
from gigstation.platform.runner import database, settings_from_args

__all__ = ["add_oversight_parsers", "run_purge"]


def run_purge(args: argparse.Namespace) -> int:
    """Run the retention purge once now, print what it did as JSON."""
    from gigstation.oversight.retention import purge
    from gigstation.platform import clock
    from gigstation.platform.config import Settings
    from gigstation.platform.db import apply_migrations, connect_pool, connection, transaction

    async def run(settings: Settings) -> bytes:
        pool = await connect_pool(settings.database_url or "", min_size=1, max_size=1)
        try:
            async with connection(pool) as conn:
                await apply_migrations(conn)
            async with transaction(pool) as conn:
                return msgspec.json.encode(await purge(conn, settings, clock.now()))
        finally:
            await pool.close()

    with database(settings_from_args(args)) as settings:
        sys.stdout.buffer.write(asyncio.run(run(settings)) + b"\n")
    return 0


def add_oversight_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``plan-stations`` and ``purge``."""
    add_plan_parser(subparsers)
    p = subparsers.add_parser(
        "purge", help="erase old check-in locations, anonymise long-inactive workers (also run daily by serve)")
    p.add_argument("--data-dir", type=Path)
    p.set_defaults(func=run_purge)
