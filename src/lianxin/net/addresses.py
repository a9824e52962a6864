"""Which IP addresses the server may connect to on a user's behalf.

Only globally routable unicast addresses, unless the operator allows a network. IPv6
forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, 6to4, NAT64) are judged
by that IPv4 address too, so ``::ffff:127.0.0.1`` is loopback like ``127.0.0.1``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

IP = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

_NAT64 = ip_network("64:ff9b::/96")
_6TO4 = ip_network("2002::/16")


def embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it is one of the mapping forms."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or (int(ip) >> 32 == 0 and int(ip) > 1):  # NAT64, or ::a.b.c.d
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IP) -> bool:
    """Globally routable unicast: not private, loopback, link-local, multicast, reserved,
    unspecified, shared (CGNAT) or documentation space."""
    if isinstance(ip, IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None:  # reaches that IPv4 address: judge it
            return is_public(inner)
        if ip.teredo is not None:
            return False
    return bool(ip.is_global) and not (
        ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
    )


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses, plus the networks an operator allows (e.g. ``127.0.0.0/8``)."""

    allow: tuple[Network, ...] = field(default=())

    @classmethod
    def from_settings(cls, networks: Iterable[str]) -> AddressPolicy:
        return cls(tuple(ip_network(n, strict=False) for n in networks))

    def _allowed(self, ip: IP) -> bool:
        return any(ip.version == n.version and ip in n for n in self.allow)

    def permits(self, ip: IP | str) -> bool:
        addr = ip_address(ip) if isinstance(ip, str) else ip
        if isinstance(addr, IPv6Address) and addr.scope_id:
            return False  # a zone index names a local interface
        if self._allowed(addr):
            return True
        if isinstance(addr, IPv6Address):
            inner = embedded_ipv4(addr)
            if inner is not None and self._allowed(inner):
                return True
        return is_public(addr)
