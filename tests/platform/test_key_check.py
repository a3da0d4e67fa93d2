"""Fault 9: the identity key is never replaced silently, lives apart from the database files,
and can be rotated (every number re-sealed, duplicates still caught)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from gigstation.application import create_app
from gigstation.platform.config import Settings
from gigstation.platform.key_rotation import rotate
from gigstation.platform.keys import KeyRefused, key_file
from gigstation.platform.pii import PiiCipher, generate_key
from gigstation.sim.demo import demo_resident_id
from tests.api.conftest import API, Api


@pytest.fixture
def file_keys(settings: Settings, tmp_path: Path) -> Settings:
    """Settings whose identity key lives in key files (the default), not in the environment."""
    return msgspec.structs.replace(settings, pii_key="", data_dir=str(tmp_path / "data"))


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Api]:
    async with AsyncTestClient(create_app(settings)) as client:
        yield Api(client)


def _key_refused(exc: BaseException) -> KeyRefused | None:
    if isinstance(exc, KeyRefused):
        return exc
    for inner in getattr(exc, "exceptions", ()):  # the test client's task group wraps it
        found = _key_refused(inner)
        if found:
            return found
    return None


async def start_refused(settings: Settings) -> str:
    """Start the app, expect KeyRefused; return its message."""
    try:
        async with running(settings):
            pass
    except BaseException as exc:
        found = _key_refused(exc)
        if found is None:
            raise
        return str(found)
    pytest.fail("the start was not refused")


async def _register(api: Api, n: int) -> str:
    number = demo_resident_id(date(1980, 1, 1), 100 + n)
    await api.worker(id_number=number)
    return number


async def test_key_is_created_apart_from_the_database_files(file_keys: Settings, db: asyncpg.Connection[Any]) -> None:
    async with running(file_keys) as api:
        await _register(api, 1)
    made = key_file(file_keys, 1)
    assert made.is_file()
    assert made.parent == Path(file_keys.data_dir) / "keys"
    assert not any((Path(file_keys.data_dir) / "pg").glob("**/*.key"))
    apart = msgspec.structs.replace(file_keys, key_dir=str(Path(file_keys.data_dir).parent / "elsewhere"))
    await db.execute("TRUNCATE workers, users, pii_key_check CASCADE")
    async with running(apart):
        pass
    assert key_file(apart, 1).is_file()


async def test_missing_key_stops_the_start_instead_of_making_a_new_one(
    file_keys: Settings, db: asyncpg.Connection[Any]
) -> None:
    async with running(file_keys) as api:
        await _register(api, 1)
    key_file(file_keys, 1).unlink()  # a restore without the key, or a moved data dir
    assert "identity" in await start_refused(file_keys)
    assert not key_file(file_keys, 1).exists(), "no replacement key may be generated"


async def test_a_different_key_stops_the_start(file_keys: Settings, db: asyncpg.Connection[Any]) -> None:
    async with running(file_keys) as api:
        await _register(api, 1)
    other = msgspec.structs.replace(file_keys, pii_key=generate_key())
    assert "not the key that sealed" in await start_refused(other)


async def test_a_database_without_a_check_value_is_checked_by_opening_a_number(
    file_keys: Settings, db: asyncpg.Connection[Any]
) -> None:
    async with running(file_keys) as api:
        await _register(api, 1)
    await db.execute("DELETE FROM pii_key_check")  # as after upgrading an older database
    other = msgspec.structs.replace(file_keys, pii_key=generate_key())
    await start_refused(other)
    async with running(file_keys):
        pass
    assert await db.fetchval("SELECT count(*) FROM pii_key_check") == 1


async def test_rotation_reseals_every_number_and_keeps_duplicates_caught(
    file_keys: Settings, db: asyncpg.Connection[Any], database_url: str
) -> None:
    async with running(file_keys) as api:
        numbers = [await _register(api, n) for n in range(3)]
        body = api.employer_body(kind="individual", credit_code=None,
                                 id_number=demo_resident_id(date(1970, 5, 5), 7))
        r = await api.client.post(f"{API}/employers", json=body)
        assert r.status_code == 201, r.text
        numbers.append(body["id_number"])
        with pytest.raises(KeyRefused, match="stop every server"):
            await rotate(database_url, file_keys)  # not while a server runs

    done = await rotate(database_url, file_keys)
    assert (done.old_version, done.new_version, done.resealed) == (1, 2, 4)
    new_key = key_file(file_keys, 2).read_text()
    new = PiiCipher(new_key, key_version=2)
    blobs = [bytes(r["id_cipher"]) for r in await db.fetch(
        "SELECT id_cipher FROM workers UNION ALL SELECT id_cipher FROM employers WHERE id_cipher IS NOT NULL")]
    assert sorted(new.decrypt(b) for b in blobs) == sorted(numbers)
    assert {b[0] for b in blobs} == {2}
    indexes = {bytes(r["id_index"]) for r in await db.fetch("SELECT id_index FROM workers")}
    assert indexes == {new.blind_index(n, "identity") for n in numbers[:3]}

    async with running(file_keys) as api:
        r = await api.client.post(f"{API}/workers", json=api.worker_body(id_number=numbers[0]))
        assert r.status_code == 409, r.text  # the same person cannot register twice
        fresh = await _register(api, 50)
    blob = bytes(await db.fetchval("SELECT id_cipher FROM workers ORDER BY worker_no DESC LIMIT 1"))
    assert blob[0] == 2 and new.decrypt(blob) == fresh

    # Only the old key left (the new file lost): the start is refused.
    shutil.move(key_file(file_keys, 2), Path(file_keys.data_dir) / "moved-away")
    assert "version 2" in await start_refused(file_keys)


async def test_rotate_command_end_to_end(
    file_keys: Settings, db: asyncpg.Connection[Any], database_url: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from gigstation import cli

    async with running(file_keys) as api:
        number = await _register(api, 1)
    for name in ("GIGSTATION_PII_KEY", "GIGSTATION_KEY_DIR", "GIGSTATION_PII_KEY_VERSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIGSTATION_DATABASE_URL", database_url)
    assert await asyncio.to_thread(cli.main, ["rotate-pii-key", "--data-dir", file_keys.data_dir]) == 0
    assert "key version 2" in capsys.readouterr().out
    blob = bytes(await db.fetchval("SELECT id_cipher FROM workers"))
    assert PiiCipher(key_file(file_keys, 2).read_text(), key_version=2).decrypt(blob) == number
    async with running(file_keys) as api:  # the server starts on the rotated database
        r = await api.client.post(f"{API}/workers", json=api.worker_body(id_number=number))
        assert r.status_code == 409
