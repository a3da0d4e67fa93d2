"""Page controllers for the staff side (employer, operator, administrator).

W1's ``web/__init__.py`` imports ``PAGE_CONTROLLERS_W2`` and mounts every class in it.
"""

from __future__ import annotations

__all__ = ["PAGE_CONTROLLERS_W2"]

PAGE_CONTROLLERS_W2: list[type] = []
