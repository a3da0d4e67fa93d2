"""Static files under content-hash URLs: ``/static/css/app.css?v=<hash>`` may be cached for a
year, because a changed file gets a new URL. Templates call ``static_url('css/app.css')``."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

__all__ = ["StaticAssets"]

_DIGEST_CHARS = 12


class StaticAssets:
    """Content hashes of the files under ``root``, cached per file until it changes on disk."""

    def __init__(self, root: Path, prefix: str = "/static") -> None:
        self.root = root.resolve()
        self.prefix = prefix.rstrip("/")
        self._cache: dict[str, tuple[int, int, str]] = {}
        self._lock = threading.Lock()

    def digest(self, relative: str) -> str | None:
        """The file's content hash (12 hex), or None when there is no such file under root."""
        path = (self.root / relative.lstrip("/")).resolve()
        if not path.is_relative_to(self.root):
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        key = str(path)
        cached = self._cache.get(key)
        if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
            return cached[2]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:_DIGEST_CHARS]
        with self._lock:
            self._cache[key] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def url(self, relative: str) -> str:
        """``/static/<relative>?v=<hash>`` (no version for a missing file, so it is not cached)."""
        digest = self.digest(relative)
        base = f"{self.prefix}/{relative.lstrip('/')}"
        return f"{base}?v={digest}" if digest else base

    def is_current(self, path: str, query_string: bytes) -> bool:
        """Whether a request for ``path`` names the file's current hash (``?v=...``)."""
        if not path.startswith(self.prefix + "/"):
            return False
        version = ""
        for part in query_string.decode("latin-1").split("&"):
            key, _, value = part.partition("=")
            if key == "v":
                version = value
        return bool(version) and version == self.digest(path[len(self.prefix) + 1:])
