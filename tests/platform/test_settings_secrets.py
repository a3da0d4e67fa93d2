"""Fault 11: secrets handled loosely (repr, short secrets, unpadded keys, per-process secrets)."""

from __future__ import annotations

import base64
import string

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigstation.platform.config import Settings
from gigstation.platform.keys import newest_key_bytes

SECRET = "s3cret-token-key-" + "x" * 20
PII_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()
ADMIN_PASSWORD = "admin-pass-Zq81"
DB_PASSWORD = "db-pass-Wk27"


def test_repr_and_str_show_no_secret() -> None:
    settings = Settings.from_env(
        {}, secret_key=SECRET, pii_key=PII_KEY, admin_password=ADMIN_PASSWORD,
        database_url=f"postgresql://app:{DB_PASSWORD}@db.example:5432/gig",
    )
    for shown in (repr(settings), str(settings), f"{settings}", repr([settings])):
        for secret in (SECRET, PII_KEY, PII_KEY.rstrip("="), ADMIN_PASSWORD, DB_PASSWORD):
            assert secret not in shown
    assert "db.example" in repr(settings)  # the rest stays readable
    assert "token_ttl_s=43200" in repr(settings)


@pytest.mark.parametrize("secret", ["short", "x" * 31, "密" * 10])  # 10 CJK chars = 30 bytes
def test_short_token_secret_is_refused_clearly(secret: str) -> None:
    with pytest.raises(msgspec.ValidationError, match="at least 32 bytes"):
        Settings.from_env({"GIGSTATION_SECRET_KEY": secret})


def test_secret_of_32_bytes_is_accepted() -> None:
    assert Settings.from_env({"GIGSTATION_SECRET_KEY": "x" * 32}).token_secret() == b"x" * 32


def test_pii_key_without_padding_is_accepted() -> None:
    unpadded = PII_KEY.rstrip("=")
    assert unpadded != PII_KEY
    settings = Settings.from_env({"GIGSTATION_PII_KEY": unpadded})
    assert newest_key_bytes(settings) == bytes(range(32))


@pytest.mark.parametrize("key", [base64.urlsafe_b64encode(bytes(16)).decode(), "not base64!"])
def test_wrong_pii_key_is_refused_at_once_with_a_clear_message(key: str) -> None:
    with pytest.raises(msgspec.ValidationError, match="PII key"):
        Settings.from_env({"GIGSTATION_PII_KEY": key})


def test_outside_server_without_a_secret_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from gigstation import asgi

    for name in ("GIGSTATION_SECRET_KEY", "GIGSTATION_SERVER_PID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIGSTATION_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(RuntimeError, match="GIGSTATION_SECRET_KEY"):
        asgi.app_from_env()


_TEXT = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=32, max_size=64)


@given(secret=_TEXT, admin=_TEXT, db_password=_TEXT)
def test_no_secret_of_any_value_is_shown(secret: str, admin: str, db_password: str) -> None:
    settings = Settings.from_env({}, secret_key=secret, admin_password=admin,
                                 database_url=f"postgresql://app:{db_password}@db:5432/gig")
    shown = repr(settings)
    assert secret not in shown and admin not in shown and db_password not in shown
