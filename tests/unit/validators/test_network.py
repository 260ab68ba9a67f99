"""Network: zones, VPC and subnet CIDRs, load balancer ingress, NAT or endpoints."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from superset_stack.settings import NatGateways
from superset_stack.validators import Problem
from superset_stack.validators.network import (
    validate_alb_ingress,
    validate_nat_gateways,
    validate_subnets,
    validate_zones,
)
from tests.conftest import make_settings

DEV = make_settings("dev")  # us-east-1a and b; VPC 10.0.0.0/16, publics 10.0.0.0/20 and 10.0.16.0/20


@pytest.mark.parametrize(
    ("zones", "expected"),
    [
        (("us-east-1a",), "need at least 2 zones (ALB and RDS subnet groups span two), got ['us-east-1a']"),
        (("us-east-1a", "us-east-1a"), "zones repeat, got ['us-east-1a', 'us-east-1a']"),
        (
            ("us-east-1a", "eu-west-1b"),
            "['eu-west-1b'] are not zones of region us-east-1 (expected us-east-1a, us-east-1b, ...)",
        ),
    ],
)
def test_zones(zones: tuple[str, ...], expected: str) -> None:
    assert validate_zones(replace(DEV, availability_zones=zones)) == [Problem("availabilityZones", expected)]


class TestSubnets:
    def test_derived_subnets_pass(self) -> None:
        assert validate_subnets(make_settings("prod")) == []

    # A VPC the loader cannot derive subnets from leaves them empty: only the VPC is reported.
    @pytest.mark.parametrize(
        ("vpc_cidr", "expected"),
        [
            ("10.0.0.0/33", "not a valid IPv4 network CIDR, got '10.0.0.0/33' ('33' is not a valid netmask)"),
            (
                "10.0.0.1/16",
                "not a valid IPv4 network CIDR, got '10.0.0.1/16' (10.0.0.1/16 has host bits set)",
            ),
            ("10.0.0.0/8", "prefix must be /16 to /24, got 10.0.0.0/8"),
        ],
    )
    def test_an_unusable_vpc(self, vpc_cidr: str, expected: str) -> None:
        settings = replace(DEV, vpc_cidr=vpc_cidr, public_subnet_cidrs=(), private_subnet_cidrs=())
        assert validate_subnets(settings) == [Problem("vpcCidr", expected)]

    def test_overlapping_subnets(self) -> None:
        settings = replace(
            DEV,
            public_subnet_cidrs=("10.0.0.0/20", "10.0.16.0/20"),
            private_subnet_cidrs=("10.0.8.0/24", "10.0.128.0/20"),
        )
        assert validate_subnets(settings) == [Problem("subnets", "10.0.0.0/20 overlaps 10.0.8.0/24")]

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            (
                {"public_subnet_cidrs": ("10.0.0.0/20", "10.1.0.0/20")},
                Problem("publicSubnetCidrs", "10.1.0.0/20 does not fit inside the VPC 10.0.0.0/16"),
            ),
            (
                {"private_subnet_cidrs": ("10.0.128.0/20",)},
                Problem("privateSubnetCidrs", "need one CIDR per zone (2), got 1: ['10.0.128.0/20']"),
            ),
            (
                {"public_subnet_cidrs": ("10.0.0.0/20", "10.0.16.0/29")},
                Problem(
                    "publicSubnetCidrs", "10.0.16.0/29 is smaller than /28, the smallest subnet AWS allows"
                ),
            ),
            (
                {"private_subnet_cidrs": ("10.0.128.0/20", "nope")},
                Problem(
                    "privateSubnetCidrs",
                    "not a valid IPv4 network CIDR, got 'nope' (Expected 4 octets in 'nope')",
                ),
            ),
        ],
    )
    def test_subnets(self, changes: dict[str, Any], expected: Problem) -> None:
        assert validate_subnets(replace(DEV, **changes)) == [expected]


class TestAlbIngress:
    def test_nobody_could_reach_superset(self) -> None:
        assert validate_alb_ingress(replace(DEV, alb_ingress_cidrs=())) == [
            Problem("albIngressCidrs", "empty: nobody could reach Superset")
        ]

    def test_an_invalid_cidr(self) -> None:
        assert validate_alb_ingress(replace(DEV, alb_ingress_cidrs=("10.0.0.0/8", "0.0.0.0/33"))) == [
            Problem(
                "albIngressCidrs",
                "not a valid IPv4 network CIDR, got '0.0.0.0/33' ('33' is not a valid netmask)",
            )
        ]


class TestNatGateways:
    def test_no_nat_and_no_endpoints(self) -> None:
        assert validate_nat_gateways(replace(DEV, nat_gateways=NatGateways.NONE, vpc_endpoints=False)) == [
            Problem(
                "natGateways",
                "none without vpcEndpoints leaves tasks unable to pull images, read secrets or ship logs; "
                "turn vpcEndpoints on or choose single / one_per_az",
            )
        ]

    @pytest.mark.parametrize("nat", [NatGateways.SINGLE, NatGateways.ONE_PER_AZ])
    def test_a_nat_gateway_replaces_the_endpoints(self, nat: NatGateways) -> None:
        assert validate_nat_gateways(replace(DEV, nat_gateways=nat, vpc_endpoints=False)) == []
