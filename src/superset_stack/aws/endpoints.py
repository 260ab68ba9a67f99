"""VpcEndpoints: private paths from the tasks to the AWS APIs they need to start.

Creates one interface endpoint per service, in the given private subnets, with private DNS so the
normal API host names resolve to the endpoint: ecr.api and ecr.dkr (image pulls), logs (awslogs)
and secretsmanager (ECS `secrets`). With these and the S3 gateway endpoint (network.py), tasks
start without any route to the internet. Each endpoint costs money per zone and hour, so this is
an option (on in the dev preset, where it replaces the NAT gateway, and in prod).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

INTERFACE_SERVICES: tuple[str, ...] = ("ecr.api", "ecr.dkr", "logs", "secretsmanager")


@dataclass(frozen=True, kw_only=True)
class VpcEndpointsArgs:
    """Inputs for :class:`VpcEndpoints`.

    Attributes:
        region: Region of the services.
        vpc_id: VPC to attach the endpoints to.
        subnet_ids: Private subnets, one per zone, that get an endpoint interface (one subnet is
            cheaper; tasks in the other zones then reach it across zones).
        security_group_id: Group of the endpoints (accepts HTTPS from the app tasks only).
        services: Service suffixes. Defaults to ecr.api, ecr.dkr, logs and secretsmanager.
    """

    region: str
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    services: Sequence[str] = INTERFACE_SERVICES


class VpcEndpoints(pulumi.ComponentResource):
    """Interface endpoints for the AWS APIs Fargate tasks use."""

    endpoint_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: VpcEndpointsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:endpoints:VpcEndpoints", name, None, opts)
        if not args.services:
            raise ValueError("services is empty: create no VpcEndpoints component instead")
        if not args.subnet_ids:
            raise ValueError("subnet_ids is empty: an interface endpoint needs at least one subnet")
        child = pulumi.ResourceOptions(parent=self)

        self.endpoint_ids = {}
        for service in args.services:
            endpoint = aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}",
                vpc_id=args.vpc_id,
                service_name=f"com.amazonaws.{args.region}.{service}",
                vpc_endpoint_type="Interface",
                subnet_ids=list(args.subnet_ids),
                security_group_ids=[args.security_group_id],
                private_dns_enabled=True,
                tags={"Name": f"{name}-{service}"},
                opts=child,
            )
            self.endpoint_ids[service] = endpoint.id
        self.register_outputs({"endpoint_ids": self.endpoint_ids})
