"""Who is really calling: the client address and scheme behind trusted reverse proxies.

Only a peer listed in ``GIGSTATION_TRUSTED_PROXIES`` may tell us who its client is; from
anyone else ``X-Forwarded-For``/``-Proto`` and ``Forwarded`` are ignored. In the forwarded
chain the rightmost address that is not itself a trusted proxy is the client: every hop to
its right was written by a proxy we trust, everything to its left could be forged.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

__all__ = ["FORWARDED", "X_FORWARDED", "ProxyResolver", "parse_networks"]

X_FORWARDED = "x-forwarded-for"
FORWARDED = "forwarded"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"127.0.0.1, 10.0.0.0/8 ::1"`` as networks; a clear ValueError for a bad entry."""
    networks = []
    for item in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"GIGSTATION_TRUSTED_PROXIES: {item!r} 不是 IP 地址或网段 / is not an address or CIDR"
            ) from None
    return tuple(networks)


def _address(text: str) -> str | None:
    """An address from a forwarded hop (``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``), or None."""
    value = text.strip().strip('"')
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # IPv4 with a port; bare IPv6 has several colons
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None  # "unknown", an obfuscated "_name", or garbage: not a usable hop


def _header_values(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> list[str]:
    items: list[str] = []
    for key, value in headers:
        if key == name:
            items += [part for part in value.decode("latin-1").split(",") if part.strip()]
    return items


def _forwarded_pairs(element: str) -> dict[str, str]:
    pairs = {}
    for pair in element.split(";"):
        key, _, value = pair.partition("=")
        pairs[key.strip().lower()] = value.strip().strip('"')
    return pairs


class ProxyResolver:
    """Rewrites an ASGI scope's ``client`` and ``scheme`` from a trusted proxy's headers."""

    __slots__ = ("_header", "_networks")

    def __init__(self, networks: tuple[Network, ...], header: str = X_FORWARDED) -> None:
        if header not in (X_FORWARDED, FORWARDED):
            raise ValueError(f"GIGSTATION_PROXY_HEADER must be {X_FORWARDED} or {FORWARDED}")
        self._networks = networks
        self._header = header

    @property
    def enabled(self) -> bool:
        """Whether any proxy is trusted at all."""
        return bool(self._networks)

    def trusted(self, host: str | None) -> bool:
        """Whether ``host`` is one of the trusted proxies."""
        if not host or not self._networks:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self._networks)

    def _hops(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[str | None, str | None]]:
        """(address, scheme) per hop, leftmost first."""
        if self._header == FORWARDED:
            hops = []
            for element in _header_values(headers, b"forwarded"):
                pairs = _forwarded_pairs(element)
                hops.append((_address(pairs.get("for", "")), pairs.get("proto")))
            return hops
        addresses = _header_values(headers, b"x-forwarded-for")
        schemes = [s.strip() for s in _header_values(headers, b"x-forwarded-proto")]
        # One proto per hop when the proxies append it; otherwise the last one written wins.
        aligned = len(schemes) == len(addresses)
        return [(_address(a), schemes[i] if aligned else (schemes[-1] if schemes else None))
                for i, a in enumerate(addresses)]

    def resolve(self, scope: dict[str, Any]) -> None:
        """From a trusted peer, replace ``scope['client']`` and ``scope['scheme']`` in place."""
        client = scope.get("client")
        if not self._networks or not client or not self.trusted(client[0]):
            return
        hops = self._hops(scope.get("headers", []))
        if not hops:
            return
        chosen: tuple[str | None, str | None] | None = None
        for hop in reversed(hops):
            if hop[0] is None:
                break  # an unparsable hop: trust stops here, keep the last good one
            chosen = hop
            if not self.trusted(hop[0]):
                break
        if chosen is None:
            return
        address, scheme = chosen
        if address is not None:
            scope["client"] = (address, 0)
        if scheme in ("http", "https"):
            scope["scheme"] = scheme
