"""Forwarded client addresses are believed only from trusted proxies, rightmost untrusted hop."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigstation.platform.config import Settings
from gigstation.platform.proxies import FORWARDED, ProxyResolver, parse_networks

PROXY = "10.0.0.5"
resolver = ProxyResolver(parse_networks("10.0.0.0/24, ::1"))


def _scope(peer: str, **headers: str) -> dict[str, Any]:
    return {"client": (peer, 5555), "scheme": "http",
            "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]}


def test_a_trusted_proxy_names_the_client_and_scheme() -> None:
    scope = _scope(PROXY, x_forwarded_for="203.0.113.7", x_forwarded_proto="https")
    resolver.resolve(scope)
    assert scope["client"] == ("203.0.113.7", 0) and scope["scheme"] == "https"


def test_anyone_else_is_ignored() -> None:
    scope = _scope("198.51.100.9", x_forwarded_for="203.0.113.7", x_forwarded_proto="https")
    resolver.resolve(scope)
    assert scope["client"] == ("198.51.100.9", 5555) and scope["scheme"] == "http"


def test_a_forged_hop_left_of_the_real_client_is_ignored() -> None:
    # The client sent "X-Forwarded-For: 1.2.3.4"; our proxy appended the address it saw.
    scope = _scope(PROXY, x_forwarded_for="1.2.3.4, 203.0.113.7, 10.0.0.9")
    resolver.resolve(scope)
    assert scope["client"][0] == "203.0.113.7"


def test_rfc_7239_forwarded_when_configured() -> None:
    forwarded = ProxyResolver(parse_networks("10.0.0.0/24"), FORWARDED)
    scope = _scope(PROXY, forwarded='for=1.2.3.4;proto=http, for="[2001:db8::17]:4711";proto=https')
    forwarded.resolve(scope)
    assert scope["client"][0] == "2001:db8::17" and scope["scheme"] == "https"
    # In X-Forwarded-For mode a Forwarded header (which a client may send) means nothing.
    scope = _scope(PROXY, forwarded="for=1.2.3.4")
    resolver.resolve(scope)
    assert scope["client"][0] == PROXY


def test_a_bad_entry_in_the_setting_stops_the_start() -> None:
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        Settings.from_env({}, trusted_proxies="127.0.0.1, nginx.local")


_ip = st.ip_addresses(v=4).map(str)


@given(forged=st.lists(_ip, max_size=4), real=_ip, proxies=st.lists(st.sampled_from(["10.0.0.1", "10.0.0.2"]),
                                                                      max_size=3))
def test_whatever_a_client_forges_the_address_is_the_one_our_proxies_saw(
    forged: list[str], real: str, proxies: list[str]
) -> None:
    if ipaddress.ip_address(real) in ipaddress.ip_network("10.0.0.0/24"):
        real = "192.0.2.1"
    scope = _scope(PROXY, x_forwarded_for=", ".join([*forged, real, *proxies]))
    resolver.resolve(scope)
    assert scope["client"][0] == real
