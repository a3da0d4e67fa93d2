"""Identity-key files and the database's key check: a key is never replaced silently.

Key files (``pii-<version>.key``, urlsafe base64) live in ``Settings.key_path``, apart from
the database files. The database keeps, per key version, an HMAC check value that
recognises the key without revealing it; a server whose keys cannot open the identity
numbers the database holds refuses to start. See docs/architecture.md, "Hardening (A)".
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import asyncpg

from gigstation.platform.config import Settings
from gigstation.platform.pii import PiiDecryptionError, PiiKeyring, generate_key, parse_key

__all__ = [
    "KEY_LOCK",
    "KeyRefused",
    "identity_data_versions",
    "key_file",
    "load_keyring",
    "newest_key_bytes",
    "open_keyring",
    "write_new_file",
]

log = logging.getLogger(__name__)

KEY_LOCK = 0x67696773_74617402
"""Advisory lock: every server holds it shared while it runs; key rotation needs it alone."""

_KEY_FILE = re.compile(r"^pii-(\d{1,3})\.key$")
_LEGACY_FILE = "pii.key"  # before key versions: beside the database in data_dir

SEALED_COLUMNS: tuple[tuple[str, str, str, str | None], ...] = (
    # table, primary key, ciphertext column, blind-index column (purpose "identity")
    ("workers", "user_id", "id_cipher", "id_index"),
    ("employers", "user_id", "id_cipher", "id_index"),
    ("employers", "user_id", "rep_cipher", "rep_index"),  # a company's legal representative
)
"""Every column sealed with the identity key; rotation and the start-up check read these."""


class KeyRefused(RuntimeError):
    """The configured identity keys do not fit the database: the service must not start."""


def key_file(settings: Settings, version: int) -> Path:
    """Where the key of one version is kept."""
    return settings.key_path / f"pii-{version}.key"


def write_new_file(path: Path, text: str) -> str:
    """Create ``path`` holding ``text`` unless it exists; return what the file holds.

    Many processes may start at once: each writes a complete, fsynced temporary file and
    links it into place. ``link`` never replaces, so exactly one wins and every loser
    reads the winner's complete file (a rename would let a later writer replace a key
    that others already use).
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:  # mkstemp creates it 0600
            fh.write(text.encode("ascii"))
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the link itself survives a power cut
    finally:
        os.close(dir_fd)
    return path.read_text("ascii").strip()


def _read_files(settings: Settings) -> dict[int, bytes]:
    keys: dict[int, bytes] = {}
    if settings.key_path.is_dir():
        for entry in settings.key_path.iterdir():
            match = _KEY_FILE.match(entry.name)
            if match and 1 <= int(match.group(1)) <= 255:
                keys[int(match.group(1))] = _parse_file(entry)
    legacy = settings.data_path / _LEGACY_FILE
    if 1 not in keys and legacy.is_file():
        log.warning("identity key read from the old place %s; move it to %s", legacy, key_file(settings, 1))
        keys[1] = _parse_file(legacy)
    return keys


def _parse_file(path: Path) -> bytes:
    try:
        return parse_key(path.read_text("ascii"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeyRefused(f"密钥文件 {path} 已损坏 / key file {path} is damaged: {exc}") from None


def load_keyring(settings: Settings, *, create: bool, current: int | None = None) -> PiiKeyring:
    """Every key the settings and key files give; with ``create``, make the first one."""
    keys = _read_files(settings)
    if settings.pii_key:
        keys[settings.pii_key_version] = parse_key(settings.pii_key)
    if not keys:
        if not create:
            raise KeyRefused(
                f"找不到身份证件密钥（{settings.key_path}）/ no identity key found in {settings.key_path} "
                "and GIGSTATION_PII_KEY is not set"
            )
        write_new_file(key_file(settings, 1), generate_key())
        keys = _read_files(settings)
    if current is None:
        current = settings.pii_key_version if settings.pii_key else max(keys)
    if current not in keys:
        raise KeyRefused(
            f"数据库使用第 {current} 版身份证件密钥，但没有配置该密钥 / the database uses identity key "
            f"version {current}, which is not configured (have {sorted(keys)}; looked in {settings.key_path})"
        )
    return PiiKeyring(keys, current)


def newest_key_bytes(settings: Settings) -> bytes:
    """The configured key (or the newest key file, created if none): no database check."""
    if settings.pii_key:
        return parse_key(settings.pii_key)
    keys = _read_files(settings)
    if not keys:
        write_new_file(key_file(settings, 1), generate_key())
        keys = _read_files(settings)
    return keys[max(keys)]


_CHECKS = "SELECT version, check_value FROM pii_key_check ORDER BY version"
_ADD_CHECK = "INSERT INTO pii_key_check (version, check_value) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING"


async def identity_data_versions(conn: asyncpg.Connection[Any]) -> dict[int, bytes]:
    """For each key version found in stored ciphertexts, one sample ciphertext."""
    found: dict[int, bytes] = {}
    for table, _, column, _ in SEALED_COLUMNS:
        rows = await conn.fetch(
            f"SELECT DISTINCT ON (get_byte({column}, 0)) get_byte({column}, 0) AS v, {column} AS blob "
            f"FROM {table} WHERE {column} IS NOT NULL ORDER BY get_byte({column}, 0)"
        )
        for row in rows:
            found.setdefault(row["v"], bytes(row["blob"]))
    return found


def _refuse_mismatch(version: int) -> KeyRefused:
    return KeyRefused(
        f"配置的第 {version} 版身份证件密钥不是加密本数据库证件号码的密钥；请恢复原来的密钥文件，"
        f"切勿生成新密钥 / the configured identity key version {version} is not the key that sealed this "
        "database's identity numbers: restore the original key file; a new key would make every stored "
        "number unreadable and let the same person register twice"
    )


async def open_keyring(conn: asyncpg.Connection[Any], settings: Settings) -> PiiKeyring:
    """The keyring after checking it against the database (migrations must have run).

    A key is created only for a database that holds no identity numbers and no check
    value yet; otherwise a missing or different key stops the start with a clear message.
    """
    checks = {r["version"]: bytes(r["check_value"]) for r in await conn.fetch(_CHECKS)}
    samples = await identity_data_versions(conn)
    has_data = bool(checks or samples)
    current = max(checks) if checks else None
    if not has_data:
        keyring = load_keyring(settings, create=True)
    else:
        try:
            keyring = load_keyring(settings, create=False, current=current)
        except KeyRefused as exc:
            raise KeyRefused(
                f"{exc}。数据库里已有加密的证件号码，拒绝启动 / the database holds sealed identity numbers, "
                "so the service will not start with a new key"
            ) from None
    for version, value in checks.items():
        cipher = keyring.cipher(version)
        if cipher is not None and cipher.check_value() != value:
            raise _refuse_mismatch(version)
    for version, blob in samples.items():
        cipher = keyring.cipher(version)
        if cipher is None:
            raise KeyRefused(
                f"数据库里有用第 {version} 版密钥加密的证件号码，但没有配置该密钥 / the database holds "
                f"identity numbers sealed with key version {version}, which is not configured"
            )
        if version not in checks:
            try:  # a database from before check values: open one number to be sure
                cipher.decrypt(blob)
            except PiiDecryptionError:
                raise _refuse_mismatch(version) from None
            await conn.execute(_ADD_CHECK, version, cipher.check_value())
    if keyring.current.key_version not in checks:
        await conn.execute(_ADD_CHECK, keyring.current.key_version, keyring.current.check_value())
        stored = await conn.fetchval(
            "SELECT check_value FROM pii_key_check WHERE version = $1", keyring.current.key_version
        )
        if bytes(stored) != keyring.current.check_value():  # another process won with another key
            raise _refuse_mismatch(keyring.current.key_version)
    return keyring
