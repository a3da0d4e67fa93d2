"""Station pages: what the QR code opens, the printable poster and the wall screen."""

from __future__ import annotations

from litestar import Controller

__all__ = ["StationPages"]


class StationPages(Controller):
    path = "/s"
