"""HTTP layer: Litestar app factory, controllers, guards, error mapping."""

from gigstation.api.app import create_app

__all__ = ["create_app"]
