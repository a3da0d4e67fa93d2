"""Encryption at rest and blind indexes for identity numbers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import pickle
import string

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from gigstation.platform.pii import PiiCipher, PiiDecryptionError, generate_key

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def cipher() -> PiiCipher:
    return PiiCipher(KEY)


@given(plaintext=st.text(), associated_data=st.none() | st.binary(max_size=64))
def test_encrypt_then_decrypt_round_trips(plaintext: str, associated_data: bytes | None) -> None:
    cipher = PiiCipher(KEY)
    blob = cipher.encrypt(plaintext, associated_data)
    assert cipher.decrypt(blob, associated_data) == plaintext


def test_blob_layout_is_version_nonce_ciphertext_tag(cipher: PiiCipher) -> None:
    blob = cipher.encrypt(ID_NUMBER)
    assert blob[0] == 1
    assert len(blob) == 1 + 12 + len(ID_NUMBER.encode()) + 16
    assert ID_NUMBER.encode() not in blob


def test_same_plaintext_encrypts_differently_each_time(cipher: PiiCipher) -> None:
    blobs = {cipher.encrypt(ID_NUMBER) for _ in range(20)}
    assert len(blobs) == 20
    assert len({blob[1:13] for blob in blobs}) == 20


@given(position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_any_flipped_bit_is_detected(position: int, bit: int) -> None:
    cipher = PiiCipher(KEY)
    blob = bytearray(cipher.encrypt(ID_NUMBER))
    blob[position % len(blob)] ^= 1 << bit
    with pytest.raises(PiiDecryptionError):
        cipher.decrypt(bytes(blob))


def test_truncated_or_extended_blob_is_detected(cipher: PiiCipher) -> None:
    blob = cipher.encrypt(ID_NUMBER)
    for broken in (blob[:-1], blob + b"\x00", blob[:20], b"", b"\x01"):
        with pytest.raises(PiiDecryptionError):
            cipher.decrypt(broken)


def test_associated_data_must_match(cipher: PiiCipher) -> None:
    blob = cipher.encrypt(ID_NUMBER, b"worker:42")
    assert cipher.decrypt(blob, b"worker:42") == ID_NUMBER
    for wrong in (b"worker:43", None):
        with pytest.raises(PiiDecryptionError):
            cipher.decrypt(blob, wrong)


def test_wrong_key_cannot_decrypt(cipher: PiiCipher) -> None:
    blob = cipher.encrypt(ID_NUMBER)
    with pytest.raises(PiiDecryptionError) as caught:
        PiiCipher(OTHER_KEY).decrypt(blob)
    assert ID_NUMBER not in str(caught.value)


def test_key_version_is_written_and_checked() -> None:
    old, new = PiiCipher(KEY, key_version=1), PiiCipher(OTHER_KEY, key_version=2)
    blob = new.encrypt(ID_NUMBER)
    assert PiiCipher.version_of(blob) == 2 == new.key_version
    assert new.decrypt(blob) == ID_NUMBER
    with pytest.raises(PiiDecryptionError, match="version 2"):
        old.decrypt(blob)
    # Relabelling the version byte is caught by the tag, not only by the lookup.
    relabelled = bytes([1]) + new.encrypt(ID_NUMBER)[1:]
    with pytest.raises(PiiDecryptionError):
        PiiCipher(OTHER_KEY, key_version=1).decrypt(relabelled)


@pytest.mark.parametrize("version", [0, 256, -1])
def test_key_version_must_fit_one_byte(version: int) -> None:
    with pytest.raises(ValueError, match="key_version"):
        PiiCipher(KEY, key_version=version)


def test_blind_index_is_deterministic_and_keyed(cipher: PiiCipher) -> None:
    first = cipher.blind_index(ID_NUMBER, "id_number")
    assert first == PiiCipher(KEY).blind_index(ID_NUMBER, "id_number")
    assert len(first) == 32
    assert first != PiiCipher(OTHER_KEY).blind_index(ID_NUMBER, "id_number")
    assert first != cipher.blind_index(ID_NUMBER, "phone")
    assert first != cipher.blind_index("110105194912310021", "id_number")


def test_blind_index_normalises_case_width_and_spaces(cipher: PiiCipher) -> None:
    expected = cipher.blind_index(ID_NUMBER, "id_number")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in ID_NUMBER)
    for typed in (ID_NUMBER.lower(), f" {ID_NUMBER[:6]} {ID_NUMBER[6:]}\t", full_width):
        assert cipher.blind_index(typed, "id_number") == expected


def test_blind_index_is_hmac_sha256_under_an_hkdf_subkey(cipher: PiiCipher) -> None:
    subkey = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"gigstation blind index id_number"
    ).derive(KEY)
    expected = hmac.new(subkey, ID_NUMBER.encode(), hashlib.sha256).digest()
    assert cipher.blind_index(ID_NUMBER, "id_number") == expected
    # The master key itself is never the HMAC key.
    assert expected != hmac.new(KEY, ID_NUMBER.encode(), hashlib.sha256).digest()


def test_blind_index_needs_a_purpose(cipher: PiiCipher) -> None:
    with pytest.raises(ValueError, match="purpose"):
        cipher.blind_index(ID_NUMBER, "")


@given(
    a=st.text(alphabet=string.printable, max_size=12), b=st.text(alphabet="aAbB1 x", max_size=12)
)
def test_blind_index_collides_exactly_for_equal_normalised_values(a: str, b: str) -> None:
    cipher = PiiCipher(KEY)
    same_value = "".join(a.split()).upper() == "".join(b.split()).upper()
    assert (cipher.blind_index(a, "id_number") == cipher.blind_index(b, "id_number")) == same_value


def test_key_text_and_bytes_are_the_same_key() -> None:
    text = base64.urlsafe_b64encode(KEY).decode()
    blob = PiiCipher(text).encrypt(ID_NUMBER)
    assert PiiCipher(KEY).decrypt(blob) == ID_NUMBER
    assert PiiCipher(text.rstrip("=")).decrypt(blob) == ID_NUMBER


@pytest.mark.parametrize(
    "key",
    [
        b"short",
        bytes(33),
        base64.urlsafe_b64encode(KEY),  # base64 text passed as bytes by mistake
        base64.urlsafe_b64encode(bytes(16)).decode(),
        "not base64 at all!",
        base64.urlsafe_b64encode(KEY).decode()[:-3] + "!!=",
    ],
)
def test_bad_keys_are_refused(key: bytes | str) -> None:
    with pytest.raises(ValueError, match="key"):
        PiiCipher(key)


def test_generate_key_gives_distinct_32_byte_keys() -> None:
    keys = {generate_key() for _ in range(10)}
    assert len(keys) == 10
    for key in keys:
        assert len(base64.urlsafe_b64decode(key)) == 32
        assert PiiCipher(key).decrypt(PiiCipher(key).encrypt("x")) == "x"


def test_repr_and_pickle_do_not_reveal_the_key() -> None:
    text = generate_key()
    cipher = PiiCipher(text)
    raw = base64.urlsafe_b64decode(text)
    shown = repr(cipher) + str(cipher)
    assert text not in shown
    assert text.rstrip("=") not in shown
    assert raw.hex() not in shown
    assert "hidden" in shown
    with pytest.raises(TypeError):
        pickle.dumps(cipher)
    assert not hasattr(cipher, "__dict__")
