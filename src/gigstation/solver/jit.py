"""One way to compile the solver's numeric kernels with numba.

Kernels are compiled on first call and cached on disk (``cache=True``), so a process
pays the compile once per machine, not once per start. numba looks for a writable cache
directory itself: ``NUMBA_CACHE_DIR`` when set, else ``__pycache__`` beside the module,
else the user's cache directory. When none is writable (a read-only install run by a
user without a home) numba refuses to decorate with ``cache=True``; the kernel is then
compiled in memory on every start instead of failing the import.

``nogil=True``: dispatch runs solves in threads, and a kernel that releases the GIL
lets the event loop and other requests run meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

__all__ = ["inlined", "kernel"]

F = TypeVar("F", bound=Callable[..., Any])


def kernel(fn: F) -> F:
    """Compile ``fn`` in nopython mode, cached on disk when a cache directory is writable."""
    try:
        compiled = numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:
        # "cannot cache function ...: no locator available": nothing writable for the cache.
        compiled = numba.njit(cache=False, nogil=True)(fn)
    return cast(F, compiled)


def inlined(fn: F) -> F:
    """Compile ``fn`` to be inlined into the kernels that call it (numba IR inlining).

    A call between compiled functions passes every array as a struct and adjusts its
    reference count on the way in and out: with two dozen arrays per call and a call
    per worker, that was most of a station's time.
    """
    return cast(F, numba.njit(inline="always", nogil=True)(fn))
