"""Entry point for multi-process servers: settings come from the environment."""

from __future__ import annotations

from litestar import Litestar

from gigstation.api.app import create_app
from gigstation.platform.config import Settings

__all__ = ["app_from_env"]


def app_from_env() -> Litestar:
    """ASGI factory: ``uvicorn --factory gigstation.api.asgi:app_from_env``."""
    return create_app(Settings.from_env())
