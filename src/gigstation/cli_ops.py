"""The operations commands: ``backup``, ``restore`` (docs/deploy.md)."""

from __future__ import annotations

import argparse
import asyncio
import shutil
from pathlib import Path

from gigstation.platform.runner import database, database_shared, settings_from_args

__all__ = ["add_ops_parsers"]


def cmd_backup(args: argparse.Namespace) -> int:
    """Back up the running (or stopped) service's database into a new directory under --to."""
    from gigstation.platform.backup import make_backup

    with database_shared(settings_from_args(args)) as settings:
        made = asyncio.run(make_backup(settings.database_url or "", args.to))
    print(f"备份完成 / backup written: {made}\n"
          "身份证件密钥不在备份里：请另外保管密钥文件 / the identity key is NOT in the backup: keep the key "
          "file apart (docs/deploy.md)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Verify a backup and its key, then load it into a fresh data dir (or empty database)."""
    from gigstation.platform.backup import (
        check_empty_database,
        check_fresh_dir,
        check_keys,
        restore_backup,
        verify_backup,
    )

    settings = settings_from_args(args)
    # Every check before anything is written: a refusal leaves the target as it was.
    manifest = verify_backup(args.backup)
    check_keys(manifest, settings)
    target: Path = settings.data_path
    if settings.database_url:
        asyncio.run(check_empty_database(settings.database_url))
    else:
        check_fresh_dir(target)
    existed = target.exists()
    try:
        with database(settings) as ready:
            counts = asyncio.run(restore_backup(ready.database_url or "", args.backup, manifest))
    except BaseException:
        if not settings.database_url:  # take back what this restore created, nothing else
            if existed:
                shutil.rmtree(target / "pg", ignore_errors=True)
            else:
                shutil.rmtree(target, ignore_errors=True)
        raise
    rows = sum(counts.values())
    print(f"已恢复 {rows} 行（{len(counts)} 个表），与备份清单一致 / restored {rows} rows in {len(counts)} tables, "
          f"matching the backup's manifest (made {manifest.created_at:%Y-%m-%d %H:%M} UTC by gigstation "
          f"{manifest.gigstation_version})")
    return 0


def add_ops_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``backup`` and ``restore``."""
    backup = subparsers.add_parser(
        "backup", help="write a consistent, compressed, checksummed backup (without the identity key)")
    backup.add_argument("--to", type=Path, required=True, help="directory to put the new backup in")
    backup.add_argument("--data-dir", type=Path)
    backup.set_defaults(func=cmd_backup)
    restore = subparsers.add_parser(
        "restore", help="verify a backup and the identity key, then restore it into a fresh data dir")
    restore.add_argument("backup", type=Path, help="a gigstation-backup-... directory")
    restore.add_argument("--data-dir", type=Path, required=True, help="a new data dir (may hold only keys/)")
    restore.set_defaults(func=cmd_restore)
