"""Response compression: brotli when the client takes it (and the library is installed),
else gzip, for text bodies of 1 KB and more; never for event streams, which must flush
each event at once."""

from __future__ import annotations

import gzip
from collections import OrderedDict
from typing import Any

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is a dependency; gzip alone still works
    brotli = None

__all__ = ["MIN_BYTES", "StaticCache", "choose_encoding", "compress", "compressible"]

MIN_BYTES = 1024
"""Smaller bodies go as they are: the headers would eat the saving."""

_TEXT_TYPES = (
    b"text/html", b"text/css", b"text/plain", b"text/csv", b"text/javascript", b"application/javascript",
    b"application/json", b"application/problem+json", b"application/vnd.oai.openapi+json",
    b"application/xml", b"image/svg+xml",
)
_STATIC_BEST_UNDER = 512 * 1024
"""Static files below this are compressed once at brotli's best (slow, cached); larger at 5."""


def compressible(content_type: bytes) -> bool:
    """Text worth compressing; never ``text/event-stream``."""
    base = content_type.split(b";", 1)[0].strip().lower()
    return base in _TEXT_TYPES


def choose_encoding(accept_encoding: str) -> str | None:
    """``br`` or ``gzip`` from an Accept-Encoding header, or None."""
    offered: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        name, _, params = item.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        offered[name.strip()] = quality
    if brotli is not None and offered.get("br", 0) > 0:
        return "br"
    if offered.get("gzip", offered.get("*", 0)) > 0:
        return "gzip"
    return None


def compress(body: bytes, encoding: str, *, best: bool = False) -> bytes:
    """``body`` in ``encoding``; ``best`` for static files compressed once and cached."""
    if encoding == "br" and brotli is not None:
        quality = 11 if best and len(body) < _STATIC_BEST_UNDER else 5
        result: bytes = brotli.compress(body, quality=quality)
        return result
    return gzip.compress(body, compresslevel=9 if best else 6, mtime=0)


class StaticCache:
    """Compressed static files by (path, content hash, encoding): each is compressed once."""

    def __init__(self, max_entries: int = 128) -> None:
        self._entries: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._max = max_entries

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        """The cached body, freshened in the LRU order."""
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
        return body

    def put(self, key: tuple[Any, ...], body: bytes) -> None:
        """Remember a compressed body, forgetting the least recently used past the limit."""
        self._entries[key] = body
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
