"""Network: availability zones, the VPC and subnet CIDRs, who may reach the load balancer, and
how private subnets reach AWS APIs."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from superset_stack.validators._problem import Problem

if TYPE_CHECKING:
    from superset_stack.settings import Settings


def validate_zones(s: Settings) -> list[Problem]:
    """At least two distinct zones, all in the stack's region."""
    problems = []
    zones = s.availability_zones
    if len(zones) < 2:
        problems.append(
            Problem(
                "availabilityZones",
                f"need at least 2 zones (ALB and RDS subnet groups span two), got {list(zones)}",
            )
        )
    if len(set(zones)) != len(zones):
        problems.append(Problem("availabilityZones", f"zones repeat, got {list(zones)}"))
    outside = [zone for zone in zones if not re.fullmatch(re.escape(s.region) + r"[a-z]", zone)]
    if outside:
        problems.append(
            Problem(
                "availabilityZones",
                f"{outside} are not zones of region {s.region} (expected {s.region}a, {s.region}b, ...)",
            )
        )
    return problems


def validate_subnets(s: Settings) -> list[Problem]:
    """A /16-/24 VPC, and one subnet per zone on each tier, each inside the VPC, at least a /28,
    none overlapping another."""
    problems: list[Problem] = []
    vpc = _parse_cidr("vpcCidr", s.vpc_cidr, problems)
    if vpc is not None and not 16 <= vpc.prefixlen <= 24:
        problems.append(Problem("vpcCidr", f"prefix must be /16 to /24, got {s.vpc_cidr}"))
        vpc = None
    zone_count = len(s.availability_zones)
    subnets: list[tuple[str, ipaddress.IPv4Network]] = []
    for key, cidrs in (
        ("publicSubnetCidrs", s.public_subnet_cidrs),
        ("privateSubnetCidrs", s.private_subnet_cidrs),
    ):
        # no subnets are derived from an unusable VPC, and its own problem says enough
        if len(cidrs) != zone_count and (cidrs or vpc is not None):
            problems.append(
                Problem(key, f"need one CIDR per zone ({zone_count}), got {len(cidrs)}: {list(cidrs)}")
            )
        for cidr in cidrs:
            network = _parse_cidr(key, cidr, problems)
            if network is None:
                continue
            if vpc is not None and not network.subnet_of(vpc):
                problems.append(Problem(key, f"{cidr} does not fit inside the VPC {s.vpc_cidr}"))
            if network.prefixlen > 28:
                problems.append(Problem(key, f"{cidr} is smaller than /28, the smallest subnet AWS allows"))
            subnets.append((cidr, network))
    for index, (cidr, network) in enumerate(subnets):
        for other_cidr, other in subnets[index + 1 :]:
            if network.overlaps(other):
                problems.append(Problem("subnets", f"{cidr} overlaps {other_cidr}"))
    return problems


def validate_alb_ingress(s: Settings) -> list[Problem]:
    """At least one CIDR may reach the load balancer, and each is a valid IPv4 network."""
    problems: list[Problem] = []
    for cidr in s.alb_ingress_cidrs:
        _parse_cidr("albIngressCidrs", cidr, problems)
    if not s.alb_ingress_cidrs:
        problems.append(Problem("albIngressCidrs", "empty: nobody could reach Superset"))
    return problems


def validate_nat_gateways(s: Settings) -> list[Problem]:
    """Private subnets reach ECR, Secrets Manager and CloudWatch Logs through a NAT or the endpoints."""
    # natGateways is a StrEnum: its members equal their config values
    if s.nat_gateways == "none" and not s.vpc_endpoints:
        return [
            Problem(
                "natGateways",
                "none without vpcEndpoints leaves tasks unable to pull images, read "
                "secrets or ship logs; turn vpcEndpoints on or choose single / one_per_az",
            )
        ]
    return []


def _parse_cidr(key: str, cidr: str, problems: list[Problem]) -> ipaddress.IPv4Network | None:
    """The network `cidr` names, or None after recording why it is not one."""
    try:
        return ipaddress.IPv4Network(cidr, strict=True)
    except ValueError as error:
        problems.append(Problem(key, f"not a valid IPv4 network CIDR, got {cidr!r} ({error})"))
        return None
