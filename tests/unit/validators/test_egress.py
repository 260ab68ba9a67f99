"""Egress destinations: one port or an ordered range, exactly one well-formed and routable target,
a description AWS accepts, none twice, and the internet only on HTTPS."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from superset_stack.settings import EgressDestination, NatGateways
from superset_stack.validators import Problem
from superset_stack.validators.egress import validate_egress_destinations
from tests.conftest import make_settings

STAGING = make_settings("staging")  # one NAT gateway: the internet is routable
DEV = make_settings("dev")  # no NAT gateway: only private networks and AWS endpoints


def problems(*destinations: EgressDestination, settings: Any = STAGING) -> list[Problem]:
    return validate_egress_destinations(replace(settings, egress_destinations=destinations))


def to(description: str = "Redshift", **fields: Any) -> EgressDestination:
    return EgressDestination(description=description, **fields)


def test_well_formed_destinations_pass() -> None:
    assert (
        problems(
            to(port=5439, cidr="10.20.0.0/16"),
            to("ClickHouse Cloud (native, HTTPS)", from_port=8443, to_port=9440, cidr="203.0.113.0/24"),
            to("SMTP relay", port=587, prefix_list_id="pl-0123456789abcdef0"),
            to("LDAP", port=636, security_group_id="sg-0123abcd"),
        )
        == []
    )
    assert problems(to(port=5439, cidr="10.20.0.0/16"), settings=DEV) == []  # private: peering or VPN


@pytest.mark.parametrize(
    ("destination", "expected"),
    [
        (to(cidr="10.0.0.0/8"), Problem("egressDestinations[0]", "needs a port (or fromPort and toPort for a range)")),
        (to(port=1, from_port=1, to_port=2, cidr="10.0.0.0/8"),
         Problem("egressDestinations[0]", "give port, or fromPort and toPort, not both")),
        (to(from_port=8443, cidr="10.0.0.0/8"),
         Problem("egressDestinations[0]", "fromPort and toPort go together: give both, or port for a single one")),
        (to(port=70000, cidr="10.0.0.0/8"), Problem("egressDestinations[0].port", "must be 1-65535, got 70000")),
        (to(port=0, cidr="10.0.0.0/8"), Problem("egressDestinations[0].port", "must be 1-65535, got 0")),
        (to(from_port=9440, to_port=8443, cidr="10.0.0.0/8"),
         Problem("egressDestinations[0].fromPort", "9440 is above toPort 8443")),
    ],
)  # fmt: skip
def test_ports(destination: EgressDestination, expected: Problem) -> None:
    assert problems(destination) == [expected]


@pytest.mark.parametrize(
    ("destination", "expected"),
    [
        (to(port=5439), Problem("egressDestinations[0]",
                                "needs exactly one target, cidr, prefixListId or securityGroupId; got none")),
        (to(port=5439, cidr="10.0.0.0/8", security_group_id="sg-0123abcd"),
         Problem("egressDestinations[0]",
                 "needs exactly one target, cidr, prefixListId or securityGroupId; got cidr, securityGroupId")),
        (to(port=5439, cidr="10.0.0.5/16"),
         Problem("egressDestinations[0].cidr", "not an IPv4 network, got '10.0.0.5/16'; did you mean 10.0.0.0/16?")),
        (to(port=5439, cidr="warehouse.internal"),
         Problem("egressDestinations[0].cidr", "not an IPv4 network, got 'warehouse.internal' (Expected 4 octets "
                 "in 'warehouse.internal')")),
        (to(port=5439, cidr="10.1.2.3"),
         Problem("egressDestinations[0].cidr", "needs a prefix length: write 10.1.2.3/32 for one address")),
        (to(port=5439, cidr="2001:db8::/32"),
         Problem("egressDestinations[0].cidr", "'2001:db8::/32' is IPv6; the VPC has no IPv6 addresses, give an IPv4 "
                 "network")),
        (to(port=587, prefix_list_id="pl-xyz"),
         Problem("egressDestinations[0].prefixListId", "not a prefix list id (pl-...), got 'pl-xyz'")),
        (to(port=636, security_group_id="sg-123"),
         Problem("egressDestinations[0].securityGroupId", "not a security group id (sg-...), got 'sg-123'")),
    ],
)  # fmt: skip
def test_targets(destination: EgressDestination, expected: Problem) -> None:
    assert problems(destination) == [expected]


def test_a_public_address_needs_a_nat_gateway() -> None:
    assert problems(to(port=5439, cidr="52.95.0.0/16"), settings=DEV) == [
        Problem(
            "egressDestinations[0].cidr",
            "52.95.0.0/16 is on the internet, but natGateways is none: the private subnets have no route "
            "there; choose natGateways single or one_per_az",
        )
    ]


class TestTheWholeInternet:
    def test_only_https_and_that_is_already_open(self) -> None:
        assert problems(to(port=5439, cidr="0.0.0.0/0")) == [
            Problem(
                "egressDestinations[0].cidr",
                "0.0.0.0/0 on port 5439 opens it to the whole internet; name the destination's own addresses "
                "(its CIDR or a prefix list), or waive aws-vpc-securitygroupegressrule-disallow-public-except-https",
            )
        ]
        assert problems(to(port=443, cidr="0.0.0.0/0")) == [
            Problem(
                "egressDestinations[0].cidr",
                "0.0.0.0/0 on 443 is already open: the stack allows HTTPS through its NAT gateways",
            )
        ]
        assert problems(
            to(port=443, cidr="0.0.0.0/0"), settings=replace(STAGING, nat_gateways=NatGateways.NONE)
        ) == [
            Problem(
                "egressDestinations[0].cidr",
                "0.0.0.0/0 is the internet, but natGateways is none: the private subnets have no route there",
            )
        ]

    def test_a_waiver_of_the_policy_accepts_other_ports(self) -> None:
        waived = make_settings(
            "staging",
            waivers=[
                "aws-vpc-securitygroupegressrule-disallow-public-except-https until 2027-03-31: SaaS relay"
            ],
        )
        assert problems(to(from_port=25, to_port=587, cidr="0.0.0.0/0"), settings=waived) == []


def test_descriptions_aws_accepts() -> None:
    assert problems(to("Redshift <prod> & co", port=5439, cidr="10.0.0.0/8")) == [
        Problem(
            "egressDestinations[0].description",
            "AWS allows only letters, digits, spaces and ._-:/()#,@[]+=;{}!$* in a rule description; '&<>' "
            "are not allowed",
        )
    ]
    assert problems(to("x" * 256, port=5439, cidr="10.0.0.0/8")) == [
        Problem("egressDestinations[0].description", "must be at most 255 characters, got 256")
    ]


def test_duplicates_and_the_rule_quota() -> None:
    same = to(port=5439, cidr="10.0.0.0/8")
    assert problems(same, to(port=443, cidr="10.0.0.0/8"), to("again", port=5439, cidr="10.0.0.0/8")) == [
        Problem("egressDestinations[2]", "repeats egressDestinations[0] (the same target and ports); AWS refuses "
                "a rule twice")
    ]  # fmt: skip
    many = [to(port=port, cidr="10.0.0.0/8") for port in range(1000, 1051)]
    assert problems(*many) == [
        Problem("egressDestinations", "at most 50 (the app security group holds 60 outbound rules), got 51")
    ]
