"""Egress: further places the tasks may connect to (warehouses, SMTP relays, LDAP servers), each a
port or port range on exactly one target, described the way AWS accepts, and routable."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Protocol

from superset_stack.config_types import shown
from superset_stack.policies.rules import OPEN_EGRESS_POLICY
from superset_stack.validators._problem import Problem

if TYPE_CHECKING:
    from superset_stack.settings import EgressDestination, Settings


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


# The app group holds at most 60 outbound rules (AWS's default quota); the stack's own take up to 5.
MAX_DESTINATIONS = 50
HTTPS_PORT = 443
# A security group rule's description (EC2 API: IpRange, PrefixListId and UserIdGroupPair; '&' is
# allowed by only some of them, so it is left out).
DESCRIPTION_CHARACTERS = "._-:/()#,@[]+=;{}!$*"
_DESCRIPTION = re.compile(r"[A-Za-z0-9 " + re.escape(DESCRIPTION_CHARACTERS) + r"]*")
_PREFIX_LIST = re.compile(r"pl-([0-9a-f]{8}|[0-9a-f]{17})")
_SECURITY_GROUP = re.compile(r"sg-([0-9a-f]{8}|[0-9a-f]{17})")


def validate_egress_destinations(s: Settings) -> list[Problem]:
    """At most 50 destinations, each with a description AWS accepts, a port or an ordered port range
    in 1-65535, exactly one well-formed target the private subnets can route to, and none twice."""
    if len(s.egress_destinations) > MAX_DESTINATIONS:
        return [
            Problem(
                "egressDestinations",
                f"at most {MAX_DESTINATIONS} (the app security group holds 60 outbound rules), "
                f"got {len(s.egress_destinations)}",
            )
        ]
    problems: list[Problem] = []
    seen: dict[tuple[object, ...], int] = {}
    for index, destination in enumerate(s.egress_destinations):
        where = f"egressDestinations[{index}]"
        problems += _description(where, destination.description)
        ports = _ports(where, destination)
        problems += ports
        problems += target_problems(where, destination, s, check_open=not ports)
        identity = (tuple(sorted(destination.targets.items())), destination.ports)
        if identity in seen:
            problems.append(
                Problem(
                    where,
                    f"repeats egressDestinations[{seen[identity]}] (the same target and ports); "
                    "AWS refuses a rule twice",
                )
            )
        seen.setdefault(identity, index)
    return problems


def _description(where: str, description: str) -> list[Problem]:
    if len(description) > 255:
        return [Problem(f"{where}.description", f"must be at most 255 characters, got {len(description)}")]
    if not _DESCRIPTION.fullmatch(description):
        refused = "".join(sorted({c for c in description if not _DESCRIPTION.fullmatch(c)}))
        return [
            Problem(
                f"{where}.description",
                f"AWS allows only letters, digits, spaces and {DESCRIPTION_CHARACTERS} in a rule "
                f"description; {shown(refused)} are not allowed",
            )
        ]
    return []


def _ports(where: str, d: EgressDestination) -> list[Problem]:
    """port, or fromPort and toPort: each 1-65535, the range in order."""
    ranged = (d.from_port, d.to_port)
    if d.port is not None and ranged != (None, None):
        return [Problem(where, "give port, or fromPort and toPort, not both")]
    if d.port is None and None in ranged:
        if ranged == (None, None):
            return [Problem(where, "needs a port (or fromPort and toPort for a range)")]
        return [Problem(where, "fromPort and toPort go together: give both, or port for a single one")]
    given = {"port": d.port} if d.port is not None else {"fromPort": d.from_port, "toPort": d.to_port}
    problems = [
        Problem(f"{where}.{key}", f"must be 1-65535, got {port}")
        for key, port in given.items()
        if port is not None and not 1 <= port <= 65535
    ]
    first, last = d.ports
    if not problems and first > last:
        problems.append(Problem(f"{where}.fromPort", f"{first} is above toPort {last}"))
    return problems


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
