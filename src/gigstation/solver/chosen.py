"""The chosen pairs of a solve, before they are turned into a ``Solution``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Chosen"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class Chosen:
    """Assigned pairs (pins included) as index arrays; ``bound`` is (filled, priority, distance)."""

    worker: IntArray
    order: IntArray
    distance_m: IntArray
    optimal: bool
    bound: tuple[int, int, int]
