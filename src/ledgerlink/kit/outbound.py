"""Where the server may send requests of its own on a client's say-so: the address policy, and the httpx
transport that connects only to addresses it has vetted.

A webhook consumer's URL (or a declared platform's) is chosen by whoever holds a key; left unchecked, the
server would POST to its own metadata service or database port and hand the answer back. So every host is
resolved and **every** address it resolves to must be public (or opened by the operator's
`LEDGERLINK_OUTBOUND_ALLOW`), both when the URL is given and when each connection is made. The check at
connection time lives in the network backend under httpx: it resolves the name itself, vets the addresses
and connects to the vetted one, while TLS (SNI, certificate) and the Host header keep the URL's name, so
a name whose DNS answer changes between the check and the connection (rebinding) gains nothing. Every
spelling of an address (`2130706433`, `0x7f000001`, `127.1`, `[::ffff:127.0.0.1]`) reaches the check as
the address the resolver makes of it, and a redirect, when a client follows one, connects through the
same backend.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpcore
import httpx
from fastapi import Depends, Request

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SETTING = "LEDGERLINK_OUTBOUND_ALLOW"
# How long a URL's check waits for DNS before taking the name for one that does not resolve yet.
RESOLVE_SECONDS = 5.0

# Cloud providers' instance metadata services (AWS, GCP, Azure, OCI at 169.254.169.254; AWS's IPv6 one;
# ECS task metadata; Alibaba's), refused by name even where the name does not resolve to them.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_RFC1918 = tuple(ipaddress.ip_network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_BROADCAST = ipaddress.ip_address("255.255.255.255")


class OutboundRefused(httpcore.ConnectError):
    """A URL or a connection to an address the policy does not allow; the message says why. A
    `ConnectError` so that httpx reports it as one (no request was sent)."""


def kind_of(address: IPAddress) -> str | None:
    """What makes `address` unfit for a request the server makes on a client's say-so (`"a loopback
    address"`), or None for a public address. IPv6 forms carrying an IPv4 address are judged by it."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
        if embedded is not None:
            return kind_of(embedded)
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if any(address in network for network in _RFC1918) or address in _UNIQUE_LOCAL:
        return "a private address" if address.version == 4 else "a unique-local (private) address"
    if address.is_multicast:
        return "a multicast address"
    if address == _BROADCAST:
        return "a broadcast address"
    if address.is_private or address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


def _normal(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _name(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


@dataclass(frozen=True)
class OutboundPolicy:
    """The operator's openings: networks whose addresses are allowed, and host names allowed whatever
    they resolve to (`partner.internal`, or `*.corp.example` for its subdomains)."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, value: str) -> OutboundPolicy:
        """`"127.0.0.0/8, ::1, partner.internal, *.corp.example"`; ValueError names a bad entry."""
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for entry in filter(None, (part.strip() for part in value.split(","))):
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = _name(entry)
            bare = name.removeprefix("*.")
            if (
                not bare
                or any(not label or len(label) > 63 for label in bare.split("."))
                or not all(char.isalnum() or char in "-." for char in bare)
            ):
                raise ValueError(f"{entry!r} is neither a network (10.0.0.0/8, ::1) nor a host name")
            hosts.add(name)
        return cls(tuple(networks), frozenset(hosts))

    def allows_host(self, host: str) -> bool:
        name = _name(host)
        return name in self.hosts or any(
            pattern.startswith("*.") and name.endswith(pattern[1:]) for pattern in self.hosts
        )

    def refusal(self, host: str, address: IPAddress) -> str | None:
        """Why a connection to `address` (which `host` resolved to) is refused, or None if it is allowed."""
        address = _normal(address)
        kind = kind_of(address)
        if kind is None or any(address in network for network in self.networks):
            return None
        literal = _name(host) in (str(address), _name(str(address)))
        where = f"{host} is" if literal else f"{host} resolves to {address},"
        return (
            f"{where} {kind}; ledgerlink sends requests only to public addresses "
            f"unless the operator allows it in {SETTING}"
        )

    def check_name(self, host: str) -> None:
        """OutboundRefused for a cloud metadata host name, whatever it resolves to (or if it does not)."""
        if _name(host) in METADATA_NAMES and not self.allows_host(host):
            raise OutboundRefused(f"{host} is a cloud metadata host; {SETTING} does not allow it")

    def vet(self, host: str, addresses: Iterable[IPAddress]) -> list[IPAddress]:
        """`addresses` (all that `host` resolved to) if every one is allowed; else OutboundRefused."""
        addresses = list(dict.fromkeys(addresses))
        if self.allows_host(host):
            return addresses
        for address in addresses:
            reason = self.refusal(host, address)
            if reason:
                raise OutboundRefused(reason)
        return addresses

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address `host` resolves to, vetted (OutboundRefused), or socket.gaierror if none."""
        self.check_name(host)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host.strip("[]"), port, type=socket.SOCK_STREAM
            )
        except UnicodeError:
            raise _not_a_name(host) from None
        return self.vet(host, _addresses(infos))

    def resolve_now(self, host: str, port: int) -> list[IPAddress]:
        """`resolve` for code that runs before the event loop does (loading the operator's declarations)."""
        self.check_name(host)
        try:
            infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
        except UnicodeError:
            raise _not_a_name(host) from None
        return self.vet(host, _addresses(infos))

    async def check_url(self, url: str) -> None:
        """OutboundRefused if `url`'s host resolves to any address the policy refuses. A name that does
        not resolve now (or within `RESOLVE_SECONDS`) passes: it is resolved and vetted again at every
        connection."""
        host, port = _host_port(url)
        try:
            async with asyncio.timeout(RESOLVE_SECONDS):
                await self.resolve(host, port)
        except (socket.gaierror, TimeoutError):
            return

    def check_url_now(self, url: str) -> None:
        """`check_url` before the event loop runs."""
        host, port = _host_port(url)
        try:
            self.resolve_now(host, port)
        except socket.gaierror:
            return


def _not_a_name(host: str) -> OutboundRefused:
    # Python's resolver takes no empty label, nor one over 63 characters (`a..b`, `.`).
    return OutboundRefused(f"{host[:100]!r} is not a host name that can be looked up")


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise OutboundRefused(f"{url[:200]!r} is not an http:// or https:// URL with a host")
    try:
        port = parts.port
    except ValueError:
        raise OutboundRefused(f"{url[:200]!r} has a port that is not a number from 0 to 65535") from None
    return parts.hostname, port or (443 if parts.scheme.lower() == "https" else 80)


def _addresses(infos: list[tuple[Any, ...]]) -> list[IPAddress]:
    # An IPv6 address may come with a scope (`fe80::1%eth0`): the address is what is judged.
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


@lru_cache(maxsize=16)
def policy(allow: str) -> OutboundPolicy:
    """The policy of a `LEDGERLINK_OUTBOUND_ALLOW` value (parsed once per value)."""
    return OutboundPolicy.parse(allow)


def configured_policy(request: Request) -> OutboundPolicy:
    """The running server's policy (its `LEDGERLINK_OUTBOUND_ALLOW`), for endpoints that create receivers."""
    return policy(request.app.state.settings.outbound_allow)


Outbound = Annotated[OutboundPolicy, Depends(configured_policy)]


class VettingBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the policy in front of every TCP connection: the name is resolved
    here, every address vetted, and the connection made to a vetted address (the first that answers)."""

    def __init__(self, rules: OutboundPolicy, inner: httpcore.AsyncNetworkBackend) -> None:
        self.rules = rules
        self.inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's AsyncNetworkBackend signature
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self.rules.resolve(host, port)
        except socket.gaierror as failure:
            raise httpcore.ConnectError(f"{host} does not resolve ({failure.strerror})") from None
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"{host} did not resolve within {timeout:g} s") from None
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise OutboundRefused("requests of the server's own never go to a Unix socket")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def vetted_transport(rules: OutboundPolicy, limits: httpx.Limits | None = None) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection goes through `VettingBackend`. httpx takes no network
    backend of its own, so the one its connection pool was built with is wrapped in place."""
    transport = httpx.AsyncHTTPTransport(limits=limits or httpx.Limits())
    pool = transport._pool
    pool._network_backend = VettingBackend(rules, pool._network_backend)
    return transport


def refusal_in(failure: BaseException) -> OutboundRefused | None:
    """The policy's refusal behind an httpx error (httpx raises its own ConnectError from httpcore's)."""
    cause = failure.__cause__
    return cause if isinstance(cause, OutboundRefused) else None
