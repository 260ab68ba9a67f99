"""Network: the VPC and everything that routes inside it.

Creates:
- a VPC with DNS support and hostnames (interface endpoints and RDS/ElastiCache names need both);
- the VPC's default security group, taken over and left with no rules (nothing can use it);
- one public and one private subnet per availability zone (at least two zones); no subnet hands
  out public IPs: the load balancer and NAT gateways bring their own addresses;
- an internet gateway and a public route table; per zone a private route table whose default
  route goes to a NAT gateway by the chosen strategy (none / single / one per zone);
- an S3 gateway endpoint on the private route tables (free; image layers and the bucket stay off
  the NAT);
- VPC flow logs of all traffic to a KMS-encrypted log group with retention, written by a role
  that may only write to that group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from superset_stack.aws.iam import service_trust
from superset_stack.settings import NatGateways


@dataclass(frozen=True, kw_only=True)
class NetworkArgs:
    """Inputs for :class:`Network`.

    Attributes:
        region: Region of the VPC (for endpoint service names).
        account_id: AWS account (scopes the flow-log role's trust policy).
        partition: AWS partition of the account, e.g. ``aws``.
        availability_zones: Zones to spread over; at least two.
        vpc_cidr: IPv4 CIDR of the VPC.
        public_subnet_cidrs: One CIDR per zone, in zone order.
        private_subnet_cidrs: One CIDR per zone, in zone order.
        kms_key_arn: Key that encrypts the flow-log group.
        flow_log_group_name: Name of the flow-log group.
        nat_gateways: NAT strategy. Defaults to one NAT gateway per zone.
        log_retention_days: Flow-log retention in days. Defaults to 365.
    """

    region: str
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    availability_zones: Sequence[str]
    vpc_cidr: str
    public_subnet_cidrs: Sequence[str]
    private_subnet_cidrs: Sequence[str]
    kms_key_arn: pulumi.Input[str]
    flow_log_group_name: str
    nat_gateways: NatGateways = NatGateways.ONE_PER_AZ
    log_retention_days: int = 365


class Network(pulumi.ComponentResource):
    """A two-tier VPC over several availability zones with flow logs."""

    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]
    private_route_table_ids: list[pulumi.Output[str]]
    nat_gateway_ids: list[pulumi.Output[str]]
    s3_prefix_list_id: pulumi.Output[str]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:network:Network", name, None, opts)
        zones = list(args.availability_zones)
        if len(zones) < 2:
            raise ValueError(f"availability_zones needs at least 2 zones, got {zones}")
        for label, cidrs in (("public", args.public_subnet_cidrs), ("private", args.private_subnet_cidrs)):
            if len(cidrs) != len(zones):
                raise ValueError(
                    f"{label}_subnet_cidrs needs one CIDR per zone ({len(zones)}), got {list(cidrs)}"
                )
        child = pulumi.ResourceOptions(parent=self)

        vpc = aws.ec2.Vpc(
            name,
            cidr_block=args.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": name},
            opts=child,
        )
        # Taking over the default security group with no rules removes AWS's allow-all defaults.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default", vpc_id=vpc.id, tags={"Name": f"{name}-default-unused"}, opts=child
        )
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": name}, opts=child)

        # --- public tier -------------------------------------------------------------------------
        public_table = aws.ec2.RouteTable(
            f"{name}-public", vpc_id=vpc.id, tags={"Name": f"{name}-public"}, opts=child
        )
        aws.ec2.Route(
            f"{name}-public-internet",
            route_table_id=public_table.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway.id,
            opts=child,
        )
        public_subnets = []
        for zone, cidr in zip(zones, args.public_subnet_cidrs, strict=True):
            subnet = aws.ec2.Subnet(
                f"{name}-public-{zone}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-public-{zone}", "Tier": "public"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{zone}", subnet_id=subnet.id, route_table_id=public_table.id, opts=child
            )
            public_subnets.append(subnet)

        # --- NAT gateways ------------------------------------------------------------------------
        nat_zones = {NatGateways.NONE: [], NatGateways.SINGLE: zones[:1], NatGateways.ONE_PER_AZ: zones}
        nats: dict[str, aws.ec2.NatGateway] = {}
        for zone in nat_zones[args.nat_gateways]:
            address = aws.ec2.Eip(
                f"{name}-nat-{zone}", domain="vpc", tags={"Name": f"{name}-nat-{zone}"}, opts=child
            )
            nats[zone] = aws.ec2.NatGateway(
                f"{name}-nat-{zone}",
                allocation_id=address.id,
                subnet_id=public_subnets[zones.index(zone)].id,
                tags={"Name": f"{name}-nat-{zone}"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]),
            )

        # --- private tier ------------------------------------------------------------------------
        private_subnets, private_tables = [], []
        for zone, cidr in zip(zones, args.private_subnet_cidrs, strict=True):
            subnet = aws.ec2.Subnet(
                f"{name}-private-{zone}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-private-{zone}", "Tier": "private"},
                opts=child,
            )
            table = aws.ec2.RouteTable(
                f"{name}-private-{zone}", vpc_id=vpc.id, tags={"Name": f"{name}-private-{zone}"}, opts=child
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{zone}", subnet_id=subnet.id, route_table_id=table.id, opts=child
            )
            nat = nats.get(zone) or next(iter(nats.values()), None)
            if nat is not None:
                aws.ec2.Route(
                    f"{name}-private-{zone}-internet",
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat.id,
                    opts=child,
                )
            private_subnets.append(subnet)
            private_tables.append(table)

        s3_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[table.id for table in private_tables],
            tags={"Name": f"{name}-s3"},
            opts=child,
        )

        # --- flow logs ---------------------------------------------------------------------------
        flow_log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=args.flow_log_group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        flow_log_role = aws.iam.Role(
            f"{name}-flow-logs",
            description="VPC flow logs write to their log group",
            assume_role_policy=service_trust("vpc-flow-logs.amazonaws.com", args.account_id),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=flow_log_role.id,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "WriteTheFlowLogGroup",
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                        "Resource": [flow_log_group.arn, pulumi.Output.concat(flow_log_group.arn, ":*")],
                    },
                    {
                        # The flow-log service checks the destination exists; this action can only be
                        # scoped to the account's log groups.
                        "Sid": "FindTheFlowLogGroup",
                        "Effect": "Allow",
                        "Action": "logs:DescribeLogGroups",
                        "Resource": pulumi.Output.format(
                            "arn:{0}:logs:{1}:{2}:log-group:*", args.partition, args.region, args.account_id
                        ),
                    },
                ],
            }),
            opts=child,
        )  # fmt: skip
        aws.ec2.FlowLog(
            name,
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=flow_log_group.arn,
            iam_role_arn=flow_log_role.arn,
            max_aggregation_interval=60,
            tags={"Name": name},
            opts=child,
        )

        self.vpc_id = vpc.id
        self.vpc_cidr = args.vpc_cidr
        self.public_subnet_ids = [subnet.id for subnet in public_subnets]
        self.private_subnet_ids = [subnet.id for subnet in private_subnets]
        self.private_route_table_ids = [table.id for table in private_tables]
        self.nat_gateway_ids = [nat.id for nat in nats.values()]
        self.s3_prefix_list_id = s3_endpoint.prefix_list_id
        self.register_outputs({
            "vpc_id": self.vpc_id,
            "vpc_cidr": self.vpc_cidr,
            "public_subnet_ids": self.public_subnet_ids,
            "private_subnet_ids": self.private_subnet_ids,
            "private_route_table_ids": self.private_route_table_ids,
            "nat_gateway_ids": self.nat_gateway_ids,
            "s3_prefix_list_id": self.s3_prefix_list_id,
        })  # fmt: skip
