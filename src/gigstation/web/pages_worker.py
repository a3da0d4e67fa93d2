"""The worker's phone pages."""

from __future__ import annotations

from litestar import Controller

__all__ = ["WorkerPages"]


class WorkerPages(Controller):
    path = "/worker"
