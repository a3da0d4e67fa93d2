"""QR codes the pages show (segno, SVG): the station's link, the wall screen's code, and the
worker's arrival code that the employer's phone camera opens."""

from __future__ import annotations

import io
from urllib.parse import quote
from uuid import UUID

import segno

from gigstation.api.runtime import Runtime

__all__ = ["qr_svg", "scan_url"]


def qr_svg(data: str, scale: int = 10) -> bytes:
    """``data`` as a black-on-white SVG QR code (medium error correction: survives a cracked
    phone screen or a glare spot)."""
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="svg", scale=scale, border=2, dark="#000", light="#fff")
    return out.getvalue()


def scan_url(rt: Runtime, assignment_id: UUID, short_code: str) -> str:
    """What the worker's arrival QR code opens on the employer's phone: the confirm page with
    the code filled in (the employer still presses the button, and must be signed in)."""
    base = rt.settings.public_base_url.rstrip("/")
    return f"{base}/employer/scan/{assignment_id}?code={quote(short_code)}"
