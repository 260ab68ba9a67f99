"""SecurityGroups: the exact traffic matrix, as separate described rules, nothing more."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.security_groups import SecurityGroups, SecurityGroupsArgs
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
