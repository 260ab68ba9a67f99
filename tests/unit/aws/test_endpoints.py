"""VpcEndpoints: private paths to the AWS APIs a Fargate task needs to start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.endpoints import VpcEndpoints, VpcEndpointsArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]


def test_one_private_dns_endpoint_per_service(build: Build) -> None:
    mocks = build(
        lambda: VpcEndpoints(
            "ep",
            VpcEndpointsArgs(
                region="eu-west-1",
                vpc_id="vpc-1",
                subnet_ids=["subnet-a", "subnet-b"],
                security_group_id="sg-ep",
            ),
        )
    )
    endpoints = {r.name: r.inputs for r in mocks.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert set(endpoints) == {"ep-ecr-api", "ep-ecr-dkr", "ep-logs", "ep-secretsmanager"}
    for name, endpoint in endpoints.items():
        service = {"ep-ecr-api": "ecr.api", "ep-ecr-dkr": "ecr.dkr"}.get(name, name.removeprefix("ep-"))
        assert endpoint == {
            "vpcId": "vpc-1", "serviceName": f"com.amazonaws.eu-west-1.{service}", "vpcEndpointType": "Interface",
            "subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-ep"], "privateDnsEnabled": True,
            "tags": {"Name": f"ep-{service}"},
        }  # fmt: skip


def test_rejects_an_empty_service_list(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match="services is empty"):
        VpcEndpoints(
            "ep",
            VpcEndpointsArgs(
                region="eu-west-1", vpc_id="v", subnet_ids=["s"], security_group_id="g", services=()
            ),
        )
