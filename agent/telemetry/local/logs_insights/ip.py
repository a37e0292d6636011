"""IP address functions as DuckDB UDFs over Python's `ipaddress` (exact IPv4/IPv6/CIDR rules;
DuckDB's own inet extension would have to be downloaded, which this tool never does)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import duckdb
from duckdb.func import FunctionNullHandling

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(value: str | None) -> IpAddress | None:
    if value is None:
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _in_subnet(version: int | None) -> Callable[[str | None, str | None], bool]:
    def check(value: str | None, subnet: str | None) -> bool:
        address = _address(value)
        if address is None or subnet is None or (version and address.version != version):
            return False
        try:
            network = ipaddress.ip_network(subnet.strip(), strict=False)
        except ValueError:
            return False
        return address.version == network.version and address in network

    return check


def _valid(version: int | None) -> Callable[[str | None], bool]:
    def check(value: str | None) -> bool:
        address = _address(value)
        return address is not None and (version is None or address.version == version)

    return check


UDFS: dict[str, tuple[Callable[..., bool], int]] = {
    "fa2_is_valid_ip": (_valid(None), 1),
    "fa2_is_valid_ipv4": (_valid(4), 1),
    "fa2_is_valid_ipv6": (_valid(6), 1),
    "fa2_is_ip_in_subnet": (_in_subnet(None), 2),
    "fa2_is_ipv4_in_subnet": (_in_subnet(4), 2),
    "fa2_is_ipv6_in_subnet": (_in_subnet(6), 2),
}


def register_ip_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Register the UDFs on a connection; a second engine on the same connection reuses them."""
    for name, (function, arity) in UDFS.items():
        try:
            con.create_function(
                name,
                function,
                ["varchar"] * arity,
                "boolean",
                null_handling=FunctionNullHandling.SPECIAL,
                side_effects=False,
            )
        except duckdb.NotImplementedException as exc:  # "already created" on this connection
            if "already" not in str(exc):
                raise
