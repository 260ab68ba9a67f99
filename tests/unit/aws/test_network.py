"""Network: subnets per zone, NAT strategies, the emptied default group, flow logs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.network import Network, NetworkArgs
from superset_stack.plan.recording import RecordingMocks
from superset_stack.settings import NatGateways

Build = Callable[[Callable[[], Any]], RecordingMocks]
ZONES = ("us-east-1a", "us-east-1b")
KEY = "arn:aws:kms:us-east-1:123456789012:key/stack"


def network_args(**overrides: Any) -> NetworkArgs:
    values: dict[str, Any] = {
        "region": "us-east-1",
        "account_id": "123456789012",
        "partition": "aws",
        "availability_zones": ZONES,
        "vpc_cidr": "10.0.0.0/16",
        "public_subnet_cidrs": ("10.0.0.0/20", "10.0.16.0/20"),
        "private_subnet_cidrs": ("10.0.128.0/20", "10.0.144.0/20"),
        "kms_key_arn": KEY,
        "flow_log_group_name": "/superset/test/vpc-flow-logs",
        "nat_gateways": NatGateways.SINGLE,
        "log_retention_days": 90,
    }
    values.update(overrides)
    return NetworkArgs(**values)


def test_creates_exactly_these_resources(build: Build) -> None:
    mocks = build(lambda: Network("net", network_args()))
    assert Counter(mocks.types()) == Counter({
        "superset:network:Network": 1,
        "aws:ec2/vpc:Vpc": 1,
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
        "aws:ec2/internetGateway:InternetGateway": 1,
        "aws:ec2/routeTable:RouteTable": 3,
        "aws:ec2/route:Route": 3,
        "aws:ec2/subnet:Subnet": 4,
        "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
        "aws:ec2/eip:Eip": 1,
        "aws:ec2/natGateway:NatGateway": 1,
        "aws:ec2/vpcEndpoint:VpcEndpoint": 1,
        "aws:cloudwatch/logGroup:LogGroup": 1,
        "aws:iam/role:Role": 1,
        "aws:iam/rolePolicy:RolePolicy": 1,
        "aws:ec2/flowLog:FlowLog": 1,
    })  # fmt: skip
    assert {r.parent for r in mocks if r.type.startswith("aws:")} == {"net"}


def test_vpc_resolves_names(build: Build) -> None:
    mocks = build(lambda: Network("net", network_args()))
    assert mocks.inputs_of("aws:ec2/vpc:Vpc") == [
        {
            "cidrBlock": "10.0.0.0/16",
            "enableDnsSupport": True,
            "enableDnsHostnames": True,
            "tags": {"Name": "net"},
        }
    ]


def test_subnets_span_the_zones_and_never_assign_public_ips(build: Build) -> None:
    mocks = build(lambda: Network("net", network_args()))
    subnets = {(s["availabilityZone"], s["cidrBlock"], s["tags"]["Tier"], s["mapPublicIpOnLaunch"])
               for s in mocks.inputs_of("aws:ec2/subnet:Subnet")}  # fmt: skip
    assert subnets == {
        ("us-east-1a", "10.0.0.0/20", "public", False),
        ("us-east-1b", "10.0.16.0/20", "public", False),
        ("us-east-1a", "10.0.128.0/20", "private", False),
        ("us-east-1b", "10.0.144.0/20", "private", False),
    }


def test_default_security_group_is_taken_over_with_no_rules(build: Build) -> None:
    mocks = build(lambda: Network("net", network_args()))
    (group,) = mocks.inputs_of("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert group == {"vpcId": "net-id", "tags": {"Name": "net-default-unused"}}


def _routes(mocks: RecordingMocks) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in mocks.of_type("aws:ec2/route:Route")}


def test_public_tier_routes_to_the_internet_gateway(build: Build) -> None:
    mocks = build(lambda: Network("net", network_args()))
    assert _routes(mocks)["net-public-internet"] == {
        "routeTableId": "net-public-id", "destinationCidrBlock": "0.0.0.0/0", "gatewayId": "net-igw-id"
    }  # fmt: skip


def test_single_nat_serves_every_private_zone(build: Build) -> None:
    mocks = build(lambda: Network("net", network_args(nat_gateways=NatGateways.SINGLE)))
    (nat,) = mocks.of_type("aws:ec2/natGateway:NatGateway")
    assert nat.name == "net-nat-us-east-1a"
    assert nat.inputs["subnetId"] == "net-public-us-east-1a-id"
    assert nat.inputs["allocationId"] == "net-nat-us-east-1a-id"
    routes = _routes(mocks)
    for zone in ZONES:
        assert routes[f"net-private-{zone}-internet"]["natGatewayId"] == "net-nat-us-east-1a-id"


def test_one_nat_per_zone_keeps_each_zone_independent(build: Build) -> None:
    mocks = build(lambda: Network("net", network_args(nat_gateways=NatGateways.ONE_PER_AZ)))
    assert sorted(n.name for n in mocks.of_type("aws:ec2/natGateway:NatGateway")) == [
        "net-nat-us-east-1a", "net-nat-us-east-1b"
    ]  # fmt: skip
    routes = _routes(mocks)
    for zone in ZONES:
        assert routes[f"net-private-{zone}-internet"]["natGatewayId"] == f"net-nat-{zone}-id"
        assert routes[f"net-private-{zone}-internet"]["routeTableId"] == f"net-private-{zone}-id"


def test_no_nat_means_no_default_route_from_private_subnets(build: Build) -> None:
    mocks = build(lambda: Network("net", network_args(nat_gateways=NatGateways.NONE)))
    assert mocks.of_type("aws:ec2/natGateway:NatGateway") == []
    assert mocks.of_type("aws:ec2/eip:Eip") == []
    assert list(_routes(mocks)) == ["net-public-internet"]


def test_s3_gateway_endpoint_on_the_private_route_tables(build: Build) -> None:
    mocks = build(lambda: Network("net", network_args()))
    assert mocks.inputs_of("aws:ec2/vpcEndpoint:VpcEndpoint") == [{
        "vpcId": "net-id",
        "serviceName": "com.amazonaws.us-east-1.s3",
        "vpcEndpointType": "Gateway",
        "routeTableIds": ["net-private-us-east-1a-id", "net-private-us-east-1b-id"],
        "tags": {"Name": "net-s3"},
    }]  # fmt: skip


def test_flow_logs_capture_all_traffic_into_an_encrypted_group(build: Build) -> None:
    mocks = build(lambda: Network("net", network_args()))
    assert mocks.inputs_of("aws:cloudwatch/logGroup:LogGroup") == [
        {"name": "/superset/test/vpc-flow-logs", "retentionInDays": 90, "kmsKeyId": KEY}
    ]
    group_arn = "arn:aws:logs:us-east-1:123456789012:log-group:/superset/test/vpc-flow-logs"
    assert mocks.inputs_of("aws:ec2/flowLog:FlowLog") == [{
        "vpcId": "net-id", "trafficType": "ALL", "logDestinationType": "cloud-watch-logs",
        "logDestination": group_arn, "iamRoleArn": "arn:aws:iam:us-east-1:123456789012:net-flow-logs",
        "maxAggregationInterval": 60, "tags": {"Name": "net"},
    }]  # fmt: skip


def test_flow_log_role_is_scoped_to_this_account_and_group(build: Build) -> None:
    mocks = build(lambda: Network("net", network_args()))
    (role,) = mocks.inputs_of("aws:iam/role:Role")
    assert json.loads(role["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"},
                          "ArnLike": {"aws:SourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*"}},
        }],
    }  # fmt: skip
    (policy,) = mocks.inputs_of("aws:iam/rolePolicy:RolePolicy")
    group_arn = "arn:aws:logs:us-east-1:123456789012:log-group:/superset/test/vpc-flow-logs"
    assert json.loads(policy["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteTheFlowLogGroup",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [group_arn, f"{group_arn}:*"],
            },
            {
                "Sid": "FindTheFlowLogGroup",
                "Effect": "Allow",
                "Action": "logs:DescribeLogGroups",
                "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:*",
            },
        ],
    }


def test_rejects_a_single_zone(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match=r"availability_zones needs at least 2 zones, got \['us-east-1a'\]"):
        Network("net", network_args(availability_zones=("us-east-1a",)))


def test_rejects_subnets_that_do_not_match_the_zones(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match=r"private_subnet_cidrs needs one CIDR per zone \(2\)"):
        Network("net", network_args(private_subnet_cidrs=("10.0.128.0/20",)))
