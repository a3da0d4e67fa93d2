"""numba's ``njit`` with an on-disk cache when one can be written, without it otherwise.

``cache=True`` saves the machine code next to the module (or under NUMBA_CACHE_DIR, or
the user's cache directory) so a new process loads it instead of compiling for seconds.
When no cache location is writable (a read-only install and no writable home), numba
refuses ``cache=True`` at decoration time; the functions are then compiled in memory
on first use instead of failing the import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

__all__ = ["jit"]

F = TypeVar("F", bound=Callable[..., Any])


def jit(fn: F) -> F:
    """``numba.njit(cache=True)``, or ``numba.njit`` where no cache directory is writable."""
    try:
        return cast(F, numba.njit(cache=True, nogil=True)(fn))
    except RuntimeError:
        # numba raises "cannot cache function ...: no locator available" here.
        return cast(F, numba.njit(nogil=True)(fn))
