"""Where the server may send a webhook: http(s) URLs whose host is a public address.

A staff user registers the URL, and the server then calls it: without this check anyone with
a staff account could make the server call internal services (the database, Redis, a cloud
metadata endpoint at 169.254.169.254). The host is resolved and *every* address it resolves
to must be global — not private, loopback, link-local, multicast, reserved or unspecified
(IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry). The check runs when
the endpoint is registered and again before every delivery (DNS may change); the delivery
then connects to the address that was checked, so a name cannot resolve to a public address
for the check and to an internal one for the connection. WEBHOOK_ALLOW_PRIVATE=true lifts the
address rule (a receiver on the same host or network; the tests' receiver on 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

INVALID_URL = "Enter a valid URL."
NOT_HTTP = "Only http and https URLs are allowed."
UNRESOLVED = "The host of this URL could not be resolved."
RESOLVE_SECONDS = 5.0


class Refused(Exception):  # noqa: N818 - an answer, not a crash
    """The URL may not be called; the message says why (shown to staff as a field error)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: what to connect to (``address``) and what to say to it (``host``)."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        parts = urlsplit(self.url)
        shown = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return parts._replace(netloc=f"{shown}:{self.port}").geturl()

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def parse(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL with a host; :class:`Refused` otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused(INVALID_URL) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused(NOT_HTTP if scheme else INVALID_URL)
    host = parts.hostname
    if not host or parts.username is not None or any(c.isspace() for c in url):
        raise Refused(INVALID_URL)
    return scheme, host, port or (443 if scheme == "https" else 80)


def why_not_public(address: IPAddress) -> str | None:
    """Why the address is not one the server may call, or None when it is global."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for test, kind in (
        (address.is_loopback, "a loopback"),
        (address.is_link_local, "a link-local"),
        (address.is_multicast, "a multicast"),
        (address.is_unspecified, "an unspecified"),
        (address.is_private, "a private"),
        (address.is_reserved, "a reserved"),
        (not address.is_global, "a non-public"),
    ):
        if test:
            return f"{address} is {kind} address."
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an address literal is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_SECONDS
        )
    except (OSError, TimeoutError, UnicodeError):
        raise Refused(UNRESOLVED) from None
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Refused(UNRESOLVED)
    return addresses


async def check(url: str, *, allow_private: bool) -> Target:
    """The URL's target, after the scheme and every address of its host passed the rules."""
    scheme, host, port = parse(url)
    addresses = await resolve(host, port)
    if not allow_private:
        for address in addresses:
            if (reason := why_not_public(address)) is not None:
                raise Refused(f"This URL may not be called: {reason}")
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])
