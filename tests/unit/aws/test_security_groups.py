"""SecurityGroups: the exact traffic matrix, as separate described rules, nothing more."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.security_groups import EgressDestination, SecurityGroups, SecurityGroupsArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def groups(**overrides: Any) -> Callable[[], SecurityGroups]:
    values: dict[str, Any] = {"vpc_id": "vpc-1", "s3_prefix_list_id": "pl-s3"}
    values.update(overrides)
    return lambda: SecurityGroups("sg", SecurityGroupsArgs(**values))


def matrix(mocks: RecordingMocks) -> set[tuple[str, str, int, str]]:
    """(direction, group, port, peer) for every rule; the peer is a CIDR, a group or a prefix list."""
    rules = set()
    for direction, typ in (("in", INGRESS), ("out", EGRESS)):
        for rule in mocks.inputs_of(typ):
            assert rule["ipProtocol"] == "tcp"
            assert rule["fromPort"] == rule["toPort"]
            assert rule["description"]
            peer = rule.get("cidrIpv4") or rule.get("referencedSecurityGroupId") or rule.get("prefixListId")
            peer_fields = [k for k in ("cidrIpv4", "referencedSecurityGroupId", "prefixListId") if k in rule]
            assert len(peer_fields) == 1, rule
            rules.add((direction, rule["securityGroupId"], int(rule["fromPort"]), peer))
    return rules


def test_default_matrix(build: Build) -> None:
    mocks = build(groups())
    assert matrix(mocks) == {
        ("in", "sg-alb-id", 443, "0.0.0.0/0"),
        ("in", "sg-alb-id", 80, "0.0.0.0/0"),
        ("out", "sg-alb-id", 8088, "sg-app-id"),
        ("in", "sg-app-id", 8088, "sg-alb-id"),
        # the worker's browser to the web tasks by their internal name (report screenshots)
        ("in", "sg-app-id", 8088, "sg-app-id"),
        ("out", "sg-app-id", 8088, "sg-app-id"),
        ("out", "sg-app-id", 5432, "sg-database-id"),
        ("out", "sg-app-id", 6379, "sg-cache-id"),
        ("out", "sg-app-id", 443, "pl-s3"),
        ("out", "sg-app-id", 443, "0.0.0.0/0"),
        ("in", "sg-database-id", 5432, "sg-app-id"),
        ("in", "sg-cache-id", 6379, "sg-app-id"),
    }


def test_groups_have_descriptions_and_no_inline_rules(build: Build) -> None:
    mocks = build(groups())
    created = mocks.inputs_of("aws:ec2/securityGroup:SecurityGroup")
    assert {g["tags"]["Name"] for g in created} == {"sg-alb", "sg-app", "sg-database", "sg-cache"}
    for group in created:
        assert group["vpcId"] == "vpc-1"
        assert group["description"]
        assert "ingress" not in group and "egress" not in group


def test_only_the_load_balancer_accepts_traffic_from_the_internet(build: Build) -> None:
    mocks = build(groups(vpc_endpoints=True))
    open_ingress = [r for r in mocks.inputs_of(INGRESS) if r.get("cidrIpv4") == "0.0.0.0/0"]
    assert {(r["securityGroupId"], r["fromPort"]) for r in open_ingress} == {
        ("sg-alb-id", 443),
        ("sg-alb-id", 80),
    }


def test_the_data_tier_sends_nothing(build: Build) -> None:
    mocks = build(groups(vpc_endpoints=True))
    senders = {r["securityGroupId"] for r in mocks.inputs_of(EGRESS)}
    assert senders == {"sg-alb-id", "sg-app-id"}


def test_without_the_redirect_port_80_stays_closed(build: Build) -> None:
    mocks = build(groups(http_to_https_redirect=False))
    assert all(r["fromPort"] != 80 for r in mocks.inputs_of(INGRESS))


def test_restricted_ingress_cidrs(build: Build) -> None:
    mocks = build(
        groups(alb_ingress_cidrs=("203.0.113.0/24", "198.51.100.0/24"), http_to_https_redirect=False)
    )
    alb_rules = {
        (r["cidrIpv4"], r["fromPort"])
        for r in mocks.inputs_of(INGRESS)
        if r["securityGroupId"] == "sg-alb-id"
    }
    assert alb_rules == {("203.0.113.0/24", 443), ("198.51.100.0/24", 443)}


def test_endpoints_group_accepts_only_the_app(build: Build) -> None:
    mocks = build(groups(vpc_endpoints=True, internet_egress=False))
    rules = matrix(mocks)
    assert ("in", "sg-endpoints-id", 443, "sg-app-id") in rules
    assert ("out", "sg-app-id", 443, "sg-endpoints-id") in rules
    assert ("out", "sg-app-id", 443, "0.0.0.0/0") not in rules
    assert [r for r in rules if r[1] == "sg-endpoints-id"] == [("in", "sg-endpoints-id", 443, "sg-app-id")]


def test_rejects_empty_ingress(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match="alb_ingress_cidrs is empty: nobody could reach the load balancer"):
        groups(alb_ingress_cidrs=())()


REDSHIFT = EgressDestination(
    description="Redshift analytics", from_port=5439, to_port=5439, cidr_ipv4="10.20.0.0/16"
)
CLICKHOUSE = EgressDestination(
    description="ClickHouse Cloud", from_port=8443, to_port=9440, prefix_list_id="pl-0123456789abcdef0"
)
LDAP = EgressDestination(
    description="LDAP", from_port=636, to_port=636, referenced_security_group_id="sg-0123abcd"
)


def test_each_egress_destination_is_one_described_rule_from_the_app_group(build: Build) -> None:
    mocks = build(groups(egress_destinations=(REDSHIFT, CLICKHOUSE, LDAP)))
    destinations = {
        resource.name: resource.inputs
        for resource in mocks
        if resource.type == EGRESS and "-destination-" in resource.name
    }
    assert destinations == {
        "sg-destination-10-20-0-0-16-5439": {
            "securityGroupId": "sg-app-id", "ipProtocol": "tcp", "fromPort": 5439, "toPort": 5439,
            "cidrIpv4": "10.20.0.0/16", "description": "Redshift analytics",
        },
        "sg-destination-pl-0123456789abcdef0-8443-9440": {
            "securityGroupId": "sg-app-id", "ipProtocol": "tcp", "fromPort": 8443, "toPort": 9440,
            "prefixListId": "pl-0123456789abcdef0", "description": "ClickHouse Cloud",
        },
        "sg-destination-sg-0123abcd-636": {
            "securityGroupId": "sg-app-id", "ipProtocol": "tcp", "fromPort": 636, "toPort": 636,
            "referencedSecurityGroupId": "sg-0123abcd", "description": "LDAP",
        },
    }  # fmt: skip


@pytest.mark.parametrize(
    ("destinations", "message"),
    [
        ((EgressDestination(description="none", from_port=1, to_port=1),),
         "egress destination 'none': give exactly one target, got \\[\\]"),
        ((EgressDestination(description="both", from_port=1, to_port=1, cidr_ipv4="10.0.0.0/8", prefix_list_id="pl-1"),),
         "egress destination 'both': give exactly one target, got \\['10.0.0.0/8', 'pl-1'\\]"),
        ((EgressDestination(description="reversed", from_port=9440, to_port=8443, cidr_ipv4="10.0.0.0/8"),),
         "egress destination 'reversed': need 1 <= from_port <= to_port <= 65535, got 9440-8443"),
        ((REDSHIFT, REDSHIFT), "egress destinations repeat a target and ports"),
    ],
)  # fmt: skip
def test_rejects_destinations_aws_would_refuse(
    mocks: RecordingMocks, destinations: tuple[EgressDestination, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        groups(egress_destinations=destinations)()
