"""The client address of the current request, for the audit trail and the login throttle.

Services do not take a request (they are also called by commands and tasks);
the middleware sets the address for the duration of a request instead.

Behind a reverse proxy every request comes from the proxy's address, so the
client's own address is read from ``X-Forwarded-For``, but only when the
request comes from one of ``TRUSTED_PROXIES``: anyone else could write any
address into that header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_ip: ContextVar[str | None] = ContextVar("switchoff_ip", default=None)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def current_ip() -> str | None:
    return _ip.get()


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket (::ffff:1.2.3.4) is that IPv4 address.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """The request came in through one of our reverse proxies, so the headers it added can be believed."""
    remote = _address(str(request.META.get("REMOTE_ADDR") or ""))
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    return remote is not None and bool(networks) and _trusted(remote, networks)


def client_ip(request: HttpRequest) -> str:
    """The address of the client: the right-most forwarded address that is not one of our proxies.

    Each trusted proxy appends the address it received the request from, so
    walking from the right the first address outside the trusted set is the
    one the outermost proxy saw; what lies to its left the client wrote itself.
    """
    remote_text = str(request.META.get("REMOTE_ADDR") or "")
    remote = _address(remote_text)
    if remote is None:
        return remote_text or "unknown"
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _trusted(remote, networks):
        return str(remote)
    hops = str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    nearest = remote
    for text in reversed(hops):
        hop = _address(text)
        if hop is None:
            # A malformed entry: nothing to its left can be trusted either.
            break
        if not _trusted(hop, networks):
            return str(hop)
        nearest = hop
    return str(nearest)


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _ip.reset(token)
