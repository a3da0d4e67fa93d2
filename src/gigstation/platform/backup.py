"""Backups a district office can trust: ``pg_dump`` custom format (compressed), taken in one
snapshot while the service runs, with a manifest and SHA-256 checksums; never the identity key.

A backup is a directory ``gigstation-backup-<UTC time>`` holding:

* ``database.dump``: ``pg_dump --format=custom`` of the whole database, from an exported
  snapshot, so it is consistent with the row counts in the manifest;
* ``manifest.json``: when, which gigstation and PostgreSQL, the migrations, every table's
  row count, and the identity key check values (HMACs that recognise a key without
  revealing it), so a restore can refuse a wrong key before touching anything;
* ``SHA256SUMS``: ``sha256sum -c`` format, over the other two.

It is written under a ``.partial`` name and renamed when complete: a crash never leaves a
half backup that looks whole. docs/deploy.md says how often, and the pgBackRest/WAL-G route
for point-in-time recovery of an outside PostgreSQL.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from gigstation import __version__
from gigstation.platform.keys import KeyRefused, identity_data_versions, load_keyring
from gigstation.platform.pii import PiiDecryptionError

__all__ = [
    "DUMP",
    "MANIFEST",
    "SUMS",
    "BackupDamaged",
    "BackupManifest",
    "RestoreRefused",
    "check_empty_database",
    "check_fresh_dir",
    "check_keys",
    "find_tool",
    "make_backup",
    "restore_backup",
    "row_counts",
    "verify_backup",
]

DUMP = "database.dump"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FORMAT = 1


class BackupDamaged(RuntimeError):
    """A backup that fails its checksums or cannot be read: nothing is restored from it."""


class BackupManifest(msgspec.Struct, frozen=True):
    """What a backup holds, written beside the dump."""

    format: int
    created_at: datetime
    gigstation_version: str
    server_version: str
    pg_dump_major: int
    migrations: list[str]
    row_counts: dict[str, int]
    key_checks: dict[int, str]
    """Identity key version -> hex check value (``PiiCipher.check_value``)."""
    key_samples: dict[int, str] = {}
    """Identity key version -> one stored ciphertext (hex), for databases without check values."""


_TABLES = """
SELECT format('%I', tablename) AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename
"""


async def row_counts(conn: asyncpg.Connection[Any]) -> dict[str, int]:
    """Every public table's row count (exact: ``count(*)``)."""
    counts = {}
    for row in await conn.fetch(_TABLES):
        counts[row["name"]] = int(await conn.fetchval(f"SELECT count(*) FROM {row['name']}"))
    return counts


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    if match is None:
        raise RuntimeError(f"cannot read a PostgreSQL version from {version_text!r}")
    return int(match.group(1))


def find_tool(name: str, at_least: int) -> tuple[Path, int]:
    """The newest ``pg_dump``/``pg_restore`` on this machine of major version >= ``at_least``.

    Looks in the embedded server's own bin dir (pgserver ships both), then PATH and Debian's
    ``/usr/lib/postgresql/*/bin``: a dump tool older than the server cannot read it."""
    candidates: list[Path] = []
    try:
        import pgserver

        candidates.append(Path(pgserver.__file__).parent / "pginstall" / "bin" / name)
    except ImportError:  # pragma: no cover - pgserver is a dependency
        pass
    if (on_path := shutil.which(name)) is not None:
        candidates.append(Path(on_path))
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    found: list[tuple[int, Path]] = []
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            out = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False)  # noqa: S603
            if out.returncode == 0:
                found.append((_major(out.stdout.partition("(PostgreSQL)")[2]), path))
    usable = [(major, path) for major, path in found if major >= at_least]
    if not usable:
        have = ", ".join(f"{p} ({m})" for m, p in found) or "none"
        raise RuntimeError(f"找不到 {at_least} 或更新版本的 {name} / no {name} of version {at_least} or newer "
                           f"(found: {have}); install postgresql-client-{at_least}")
    major, path = max(usable)
    return path, major


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_SNAPSHOT = "SELECT pg_export_snapshot()"
_MIGRATIONS = "SELECT name FROM schema_migrations ORDER BY version"
_KEY_CHECKS = "SELECT version, check_value FROM pii_key_check ORDER BY version"


async def make_backup(url: str, into: Path) -> Path:
    """Write a backup of the database at ``url`` into a new directory under ``into``."""
    into.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before any waiting
    stamp = datetime.now(UTC)
    final = into / f"gigstation-backup-{stamp:%Y%m%dT%H%M%SZ}"
    work = final.with_name(final.name + ".partial")
    if final.exists() or work.exists():
        raise FileExistsError(f"{final} already exists")
    work.mkdir(mode=0o700)
    try:
        await _write_backup(url, work, stamp)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)  # a failed backup leaves nothing that looks like one
        raise
    work.rename(final)
    return final


async def _write_backup(url: str, work: Path, stamp: datetime) -> None:
    conn = await asyncpg.connect(url)
    try:
        server_version = str(await conn.fetchval("SHOW server_version"))
        pg_dump, dump_major = find_tool("pg_dump", _major(server_version))
        # One snapshot for the dump and the figures in the manifest: they agree exactly.
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval(_SNAPSHOT)
            dumping = await asyncio.create_subprocess_exec(
                str(pg_dump), "--format=custom", "--compress=6", "--no-owner", "--no-privileges",
                f"--snapshot={snapshot}", f"--file={work / DUMP}", f"--dbname={url}",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            counts = await row_counts(conn)
            migrations = [r["name"] for r in await conn.fetch(_MIGRATIONS)]
            checks = {r["version"]: bytes(r["check_value"]).hex() for r in await conn.fetch(_KEY_CHECKS)}
            samples = {v: blob.hex() for v, blob in (await identity_data_versions(conn)).items()}
            _, err = await dumping.communicate()
            if dumping.returncode != 0:
                raise RuntimeError(f"pg_dump failed: {err.decode(errors='replace').strip()}")
    finally:
        await conn.close()
    manifest = BackupManifest(FORMAT, stamp, __version__, server_version, dump_major, migrations, counts, checks,
                              samples)
    (work / MANIFEST).write_bytes(msgspec.json.format(msgspec.json.encode(manifest)) + b"\n")
    sums = "".join(f"{_sha256(work / name)}  {name}\n" for name in (DUMP, MANIFEST))
    (work / SUMS).write_text(sums, "ascii")
    for name in (DUMP, MANIFEST, SUMS):
        with (work / name).open("rb") as fh:
            os.fsync(fh.fileno())


def verify_backup(backup: Path) -> BackupManifest:
    """Check every file against ``SHA256SUMS`` and read the manifest; raise BackupDamaged."""
    sums_file = backup / SUMS
    if not sums_file.is_file():
        raise BackupDamaged(f"{backup} 不是 gigstation 备份（没有 {SUMS}）/ is not a gigstation backup (no {SUMS})")
    expected: dict[str, str] = {}
    for line in sums_file.read_text("ascii", errors="replace").splitlines():
        digest, _, name = line.partition("  ")
        expected[name.strip()] = digest.strip()
    for name in (DUMP, MANIFEST):
        path = backup / name
        if name not in expected or not path.is_file() or _sha256(path) != expected[name]:
            raise BackupDamaged(f"备份已损坏：{name} 的校验和不符 / the backup is damaged: {name} does not match "
                                f"its SHA-256 in {SUMS}; nothing was restored")
    try:
        manifest = msgspec.json.decode((backup / MANIFEST).read_bytes(), type=BackupManifest)
    except msgspec.DecodeError as exc:
        raise BackupDamaged(f"备份清单无法读取 / the manifest cannot be read: {exc}") from None
    if manifest.format != FORMAT:
        raise BackupDamaged(f"unknown backup format {manifest.format} (this gigstation reads {FORMAT})")
    return manifest


def check_keys(manifest: BackupManifest, settings: Any) -> None:
    """Refuse (KeyRefused) unless the configured identity keys open the backup's numbers."""
    versions = set(manifest.key_checks) | set(manifest.key_samples)
    if not versions:
        return  # a database that never held an identity number: any key will do
    keyring = load_keyring(settings, create=False, current=max(versions))
    for version in sorted(versions):
        cipher = keyring.cipher(version)
        if cipher is None:
            raise KeyRefused(f"备份里的证件号码用第 {version} 版密钥加密，但没有配置该密钥 / the backup's identity "
                             f"numbers are sealed with key version {version}, which is not configured "
                             f"(looked in {settings.key_path} and GIGSTATION_PII_KEY)")
        if version in manifest.key_checks:
            fits = cipher.check_value().hex() == manifest.key_checks[version]
        else:
            try:
                cipher.decrypt(bytes.fromhex(manifest.key_samples[version]))
                fits = True
            except PiiDecryptionError:
                fits = False
        if not fits:
            raise KeyRefused(f"配置的第 {version} 版身份证件密钥不是这个备份的密钥，未恢复任何数据 / the configured "
                             f"identity key version {version} is not the key of this backup: nothing was restored. "
                             "Use the key file kept with the office's key copy (docs/deploy.md)")


class RestoreRefused(RuntimeError):
    """The target is not fresh: a restore never writes over data."""


def check_fresh_dir(data_dir: Path) -> None:
    """A restore target is a new directory, or one holding only ``keys/`` (the key files)."""
    if not data_dir.exists():
        return
    if not data_dir.is_dir():
        raise RestoreRefused(f"{data_dir} 不是目录 / is not a directory")
    others = sorted(p.name for p in data_dir.iterdir() if p.name != "keys")
    if others:
        raise RestoreRefused(f"{data_dir} 不是新的数据目录（里面有 {', '.join(others[:5])}）；请指定一个新目录 / "
                             f"{data_dir} is not a fresh data dir (it holds {', '.join(others[:5])}): restore into a "
                             "new one, nothing was changed")


async def check_empty_database(url: str) -> None:
    """An outside database to restore into must hold no tables."""
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    if tables:
        raise RestoreRefused(f"目标数据库里已有 {tables} 个表，拒绝覆盖 / the target database already holds {tables} "
                             "tables: restore into an empty database, nothing was changed")


async def restore_backup(url: str, backup: Path, manifest: BackupManifest) -> dict[str, int]:
    """Load a verified backup into the empty database at ``url`` (one transaction), then check
    every table's row count against the manifest; return the counts."""
    pg_restore, _ = find_tool("pg_restore", manifest.pg_dump_major)
    loading = await asyncio.create_subprocess_exec(
        str(pg_restore), "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
        f"--dbname={url}", str(backup / DUMP), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await loading.communicate()
    if loading.returncode != 0:
        raise RuntimeError(f"pg_restore failed: {err.decode(errors='replace').strip()}")
    conn = await asyncpg.connect(url)
    try:
        counts = await row_counts(conn)
    finally:
        await conn.close()
    if counts != manifest.row_counts:
        tables = set(counts) | set(manifest.row_counts)
        differ = sorted(t for t in tables if counts.get(t) != manifest.row_counts.get(t))
        raise BackupDamaged(f"restored row counts differ from the backup's manifest in: {', '.join(differ)}")
    return counts
