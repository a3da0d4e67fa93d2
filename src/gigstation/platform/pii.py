"""Protection of identity numbers at rest: AES-256-GCM encryption and keyed blind indexes.

The master key comes from settings and never reaches the database. Two independent keys
are derived from it with HKDF, so the encryption key is never used as an HMAC key and a
leaked blind index says nothing about ciphertexts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["PiiCipher", "PiiDecryptionError", "PiiKeyring", "generate_key", "parse_key"]

_KEY_BYTES = 32
_NONCE_BYTES = 12  # 96 bits: the size GCM is specified for; random per message.
_ENCRYPTION_INFO = b"gigstation pii encryption"
_BLIND_INDEX_INFO = b"gigstation blind index "
_CHECK_INFO = b"gigstation key check"
_MAC_INFO = b"gigstation mac "
_CHECK_MESSAGE = b"gigstation pii key check v1"


class PiiDecryptionError(ValueError):
    """A blob that cannot be decrypted: tampered, truncated, or sealed under another key."""


def generate_key() -> str:
    """Return a new master key: 32 random bytes as urlsafe base64 text."""
    return base64.urlsafe_b64encode(os.urandom(_KEY_BYTES)).decode("ascii")


class PiiCipher:
    """Encrypts personal identifiers and computes blind indexes from one master key."""

    __slots__ = ("_aead", "_index_keys", "_key_version", "_master")

    def __init__(self, key: bytes | str, *, key_version: int = 1) -> None:
        # The version byte leads every blob so that a later key can be introduced
        # without re-encrypting everything at once: blobs say which key sealed them.
        if not 1 <= key_version <= 255:
            raise ValueError("key_version must be between 1 and 255")
        self._master = parse_key(key)
        self._key_version = key_version
        self._aead = AESGCM(_derive(self._master, _ENCRYPTION_INFO))
        self._index_keys: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return f"PiiCipher(key_version={self._key_version}, key=<hidden>)"

    def __reduce__(self) -> str | tuple[object, ...]:
        # Pickling would copy the master key into caches, queues or crash dumps.
        raise TypeError("PiiCipher holds a secret key and cannot be pickled")

    @property
    def key_version(self) -> int:
        """Return the version byte written in front of every blob this cipher seals."""
        return self._key_version

    @staticmethod
    def version_of(blob: bytes) -> int:
        """Return the key version a blob was sealed under, to pick the key for rotation."""
        if not blob:
            raise PiiDecryptionError("empty blob")
        return blob[0]

    def check_value(self) -> bytes:
        """A value the database may keep to recognise this key later without holding it.

        HMAC under a subkey of its own, so the value says nothing about the encryption or
        index keys."""
        return hmac.new(_derive(self._master, _CHECK_INFO), _CHECK_MESSAGE, hashlib.sha256).digest()

    def mac(self, data: bytes, purpose: str) -> bytes:
        """HMAC-SHA256 of raw bytes under a subkey for ``purpose`` (e.g. request fingerprints)."""
        if not purpose:
            raise ValueError("purpose must name what the MAC is for")
        key = self._index_keys.get("\0mac " + purpose)
        if key is None:
            key = _derive(self._master, _MAC_INFO + purpose.encode("utf-8"))
            self._index_keys["\0mac " + purpose] = key
        return hmac.new(key, data, hashlib.sha256).digest()

    def encrypt(self, plaintext: str, associated_data: bytes | None = None) -> bytes:
        """Seal text as version byte + random nonce + AES-256-GCM ciphertext and tag."""
        header = bytes([self._key_version])
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _aad(header, associated_data))
        return header + nonce + sealed

    def decrypt(self, blob: bytes, associated_data: bytes | None = None) -> str:
        """Open a blob made by `encrypt` with the same key and associated data."""
        # Messages name the failure only; the blob and key stay out of logs.
        if len(blob) < 1 + _NONCE_BYTES + 16:
            raise PiiDecryptionError("blob is too short to be a sealed value")
        if blob[0] != self._key_version:
            raise PiiDecryptionError(
                f"blob was sealed with key version {blob[0]}, "
                f"this cipher holds version {self._key_version}"
            )
        header, nonce, sealed = blob[:1], blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            plaintext = self._aead.decrypt(nonce, sealed, _aad(header, associated_data))
        except InvalidTag:
            raise PiiDecryptionError("blob was tampered with or sealed under another key") from None
        return plaintext.decode("utf-8")

    def blind_index(self, value: str, purpose: str) -> bytes:
        """Return a keyed HMAC-SHA256 of the normalised value, for equality and uniqueness."""
        if not purpose:
            raise ValueError("purpose must name what the index is for, e.g. 'id_number'")
        index_key = self._index_keys.get(purpose)
        if index_key is None:
            # One subkey per purpose: equal values indexed for different purposes
            # (say an ID number and a phone) cannot be joined across columns.
            index_key = _derive(self._master, _BLIND_INDEX_INFO + purpose.encode("utf-8"))
            self._index_keys[purpose] = index_key
        return hmac.new(index_key, _normalise(value).encode("utf-8"), hashlib.sha256).digest()


class PiiKeyring:
    """Every known key version: the current one seals, any known one opens (for rotation)."""

    __slots__ = ("_ciphers", "_current")

    def __init__(self, keys: dict[int, bytes], current: int) -> None:
        if current not in keys:
            raise ValueError(f"no key for the current version {current}")
        self._ciphers = {v: PiiCipher(k, key_version=v) for v, k in keys.items()}
        self._current = current

    def __repr__(self) -> str:
        return f"PiiKeyring(versions={sorted(self._ciphers)}, current={self._current})"

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("PiiKeyring holds secret keys and cannot be pickled")

    @property
    def versions(self) -> list[int]:
        """The key versions this keyring can open."""
        return sorted(self._ciphers)

    @property
    def current(self) -> PiiCipher:
        """The cipher that seals new values and computes blind indexes."""
        return self._ciphers[self._current]

    def cipher(self, version: int) -> PiiCipher | None:
        """The cipher of one version, if known."""
        return self._ciphers.get(version)

    def decrypt(self, blob: bytes, associated_data: bytes | None = None) -> str:
        """Open a blob sealed under any known version."""
        cipher = self._ciphers.get(PiiCipher.version_of(blob))
        if cipher is None:
            raise PiiDecryptionError(f"no key for version {blob[0]}")
        return cipher.decrypt(blob, associated_data)


def parse_key(key: bytes | str) -> bytes:
    """Raw key bytes from 32 bytes or their urlsafe base64 text (padding optional)."""
    if isinstance(key, str):
        text = key.strip()
        try:
            # Settings files often lose the trailing '=' padding; restore it.
            # validate=True: the default silently skips stray characters.
            raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("身份证件密钥不是 urlsafe base64 / PII key text is not urlsafe base64") from None
    else:
        raw = bytes(key)
    if len(raw) != _KEY_BYTES:
        raise ValueError(
            f"身份证件密钥必须是 {_KEY_BYTES} 字节（base64 文本约 43 个字符），实际 {len(raw)} 字节 / "
            f"PII key must be {_KEY_BYTES} bytes, or urlsafe base64 of that many (got {len(raw)} bytes)"
        )
    return raw


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=None, info=info).derive(master)


def _aad(header: bytes, associated_data: bytes | None) -> bytes:
    # Authenticating the version byte stops an attacker relabelling a blob's key.
    return header + (associated_data or b"")


def _normalise(value: str) -> str:
    # Same folding as identity numbers: full-width to ASCII, no spaces, upper case,
    # so 'x' and 'X' check digits or a pasted space never split one person in two.
    folded = unicodedata.normalize("NFKC", value)
    return "".join(folded.split()).upper()
