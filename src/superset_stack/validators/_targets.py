"""The target of an egress rule (an egress destination's, a warehouse connection's): exactly one of
cidr, prefixListId and securityGroupId, each in its AWS form, and a network the private subnets can
route to; the whole internet only on HTTPS."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Protocol

from superset_stack.config_types import shown
from superset_stack.policies.rules import OPEN_EGRESS_POLICY
from superset_stack.validators._problem import Problem

if TYPE_CHECKING:
    from superset_stack.settings import Settings

HTTPS_PORT = 443
_PREFIX_LIST = re.compile(r"pl-([0-9a-f]{8}|[0-9a-f]{17})")
_SECURITY_GROUP = re.compile(r"sg-([0-9a-f]{8}|[0-9a-f]{17})")


class Target(Protocol):
    """What a target check reads: an egress destination, or a warehouse connection's network."""

    @property
    def cidr(self) -> str | None: ...
    @property
    def prefix_list_id(self) -> str | None: ...
    @property
    def security_group_id(self) -> str | None: ...
    @property
    def targets(self) -> dict[str, str]: ...
    @property
    def ports(self) -> tuple[int, int]: ...


def target_problems(where: str, d: Target, s: Settings, *, check_open: bool) -> list[Problem]:
    """Exactly one of cidr, prefixListId and securityGroupId, each in its AWS form."""
    targets = d.targets
    if len(targets) != 1:
        got = ", ".join(targets) if targets else "none"
        return [Problem(where, f"needs exactly one target, cidr, prefixListId or securityGroupId; got {got}")]
    if d.prefix_list_id is not None and not _PREFIX_LIST.fullmatch(d.prefix_list_id):
        return [
            Problem(f"{where}.prefixListId", f"not a prefix list id (pl-...), got {shown(d.prefix_list_id)}")
        ]
    if d.security_group_id is not None and not _SECURITY_GROUP.fullmatch(d.security_group_id):
        return [
            Problem(
                f"{where}.securityGroupId",
                f"not a security group id (sg-...), got {shown(d.security_group_id)}",
            )
        ]
    if d.cidr is not None:
        return _cidr(f"{where}.cidr", d.cidr, d.ports, s, check_open=check_open)
    return []


def _cidr(where: str, cidr: str, ports: tuple[int, int], s: Settings, *, check_open: bool) -> list[Problem]:
    """An IPv4 network (the VPC has no IPv6) the private subnets can route to."""
    if ":" in cidr:
        return [Problem(where, f"{shown(cidr)} is IPv6; the VPC has no IPv6 addresses, give an IPv4 network")]
    try:
        network = ipaddress.IPv4Network(cidr, strict=True)
    except ValueError as error:
        return [Problem(where, f"not an IPv4 network, got {shown(cidr)}{_hint(cidr, error)}")]
    if "/" not in cidr:
        return [Problem(where, f"needs a prefix length: write {cidr}/32 for one address")]
    if network.prefixlen == 0 and check_open:
        return _open(where, cidr, ports, s)
    if not network.is_private and s.nat_gateways == "none":  # a StrEnum member equals its value
        return [
            Problem(
                where,
                f"{cidr} is on the internet, but natGateways is none: the private subnets have no "
                "route there; choose natGateways single or one_per_az",
            )
        ]
    return []


def _hint(cidr: str, error: ValueError) -> str:
    """A correction for host bits set (10.0.0.5/16 -> 10.0.0.0/16), else the parser's reason."""
    try:
        return f"; did you mean {ipaddress.IPv4Network(cidr, strict=False)}?"
    except ValueError:
        return f" ({error})"


def _open(where: str, cidr: str, ports: tuple[int, int], s: Settings) -> list[Problem]:
    """0.0.0.0/0: only HTTPS, which the stack already opens through its NAT gateways."""
    if ports != (HTTPS_PORT, HTTPS_PORT):
        if s.waived(OPEN_EGRESS_POLICY):
            return []
        first, last = ports
        shown_ports = str(first) if first == last else f"{first}-{last}"
        return [
            Problem(
                where,
                f"{cidr} on port {shown_ports} opens it to the whole internet; name the destination's own "
                f"addresses (its CIDR or a prefix list), or waive {OPEN_EGRESS_POLICY}",
            )
        ]
    if s.nat_gateways == "none":
        return [
            Problem(
                where,
                f"{cidr} is the internet, but natGateways is none: the private subnets have no route there",
            )
        ]
    return [Problem(where, f"{cidr} on 443 is already open: the stack allows HTTPS through its NAT gateways")]
