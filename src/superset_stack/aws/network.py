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

from superset_stack.aws.iam import policy_document, service_role
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
        role_boundary_arn: Permissions boundary (managed policy ARN) of the flow-log role.
            Defaults to none.
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
    role_boundary_arn: str | None = None


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
        _validate(args)
        zones = list(args.availability_zones)
        child = pulumi.ResourceOptions(parent=self)

        vpc = self._vpc(name, args.vpc_cidr)
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": name}, opts=child)
        subnets = {
            tier: self._subnets(name, tier, vpc, dict(zip(zones, cidrs, strict=True)))
            for tier, cidrs in _subnet_cidrs(args).items()
        }
        public, private = subnets["public"], subnets["private"]

        # --- routes: the public tier through the internet gateway, each private zone through a NAT
        public_associations = {f"{name}-public-{zone}": subnet for zone, subnet in public.items()}
        self._route_table(f"{name}-public", vpc, public_associations, gateway_id=gateway.id)
        nats = self._nat_gateways(name, _nat_zones(args.nat_gateways, zones), public, gateway)
        private_tables = self._private_route_tables(name, vpc, private, nats)
        s3_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[table.id for table in private_tables],
            tags={"Name": f"{name}-s3"},
            opts=child,
        )
        self._flow_logs(name, args, vpc)

        self.vpc_id = vpc.id
        self.vpc_cidr = args.vpc_cidr
        self.public_subnet_ids = [subnet.id for subnet in public.values()]
        self.private_subnet_ids = [subnet.id for subnet in private.values()]
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

    def _vpc(self, name: str, cidr: str) -> aws.ec2.Vpc:
        """The VPC with DNS support and hostnames, and its default security group taken over empty."""
        child = pulumi.ResourceOptions(parent=self)
        vpc = aws.ec2.Vpc(
            name,
            cidr_block=cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": name},
            opts=child,
        )
        # Taking over the default security group with no rules removes AWS's allow-all defaults.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default", vpc_id=vpc.id, tags={"Name": f"{name}-default-unused"}, opts=child
        )
        return vpc

    def _subnets(
        self, name: str, tier: str, vpc: aws.ec2.Vpc, cidrs: dict[str, str]
    ) -> dict[str, aws.ec2.Subnet]:
        """One subnet `<name>-<tier>-<zone>` per zone of `cidrs` (zone -> CIDR), tagged with its
        tier; none hands out public IPs. Returns them by zone, in zone order."""
        return {
            zone: aws.ec2.Subnet(
                f"{name}-{tier}-{zone}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-{tier}-{zone}", "Tier": tier},
                opts=pulumi.ResourceOptions(parent=self),
            )
            for zone, cidr in cidrs.items()
        }

    def _route_table(
        self,
        table_name: str,
        vpc: aws.ec2.Vpc,
        subnets: dict[str, aws.ec2.Subnet],
        *,
        gateway_id: pulumi.Input[str] | None = None,
        nat_gateway_id: pulumi.Input[str] | None = None,
    ) -> aws.ec2.RouteTable:
        """A route table, its default route `<table_name>-internet` to the internet or NAT gateway
        (none without either), and one association per subnet, named by the keys of `subnets`."""
        child = pulumi.ResourceOptions(parent=self)
        table = aws.ec2.RouteTable(table_name, vpc_id=vpc.id, tags={"Name": table_name}, opts=child)
        if gateway_id is not None or nat_gateway_id is not None:
            aws.ec2.Route(
                f"{table_name}-internet",
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                gateway_id=gateway_id,
                nat_gateway_id=nat_gateway_id,
                opts=child,
            )
        for association, subnet in subnets.items():
            aws.ec2.RouteTableAssociation(
                association, subnet_id=subnet.id, route_table_id=table.id, opts=child
            )
        return table

    def _private_route_tables(
        self,
        name: str,
        vpc: aws.ec2.Vpc,
        private: dict[str, aws.ec2.Subnet],
        nats: dict[str, aws.ec2.NatGateway],
    ) -> list[aws.ec2.RouteTable]:
        """A route table `<name>-private-<zone>` per private subnet, out through its zone's NAT
        gateway, else the one NAT gateway there is, else nowhere."""
        tables = []
        for zone, subnet in private.items():
            nat = nats.get(zone) or next(iter(nats.values()), None)
            table_name = f"{name}-private-{zone}"
            nat_gateway_id = nat.id if nat is not None else None
            tables.append(
                self._route_table(table_name, vpc, {table_name: subnet}, nat_gateway_id=nat_gateway_id)
            )
        return tables

    def _nat_gateways(
        self,
        name: str,
        zones: Sequence[str],
        public: dict[str, aws.ec2.Subnet],
        gateway: aws.ec2.InternetGateway,
    ) -> dict[str, aws.ec2.NatGateway]:
        """A NAT gateway `<name>-nat-<zone>` with its Elastic IP in the public subnet of each zone."""
        nats = {}
        for zone in zones:
            address = aws.ec2.Eip(
                f"{name}-nat-{zone}",
                domain="vpc",
                tags={"Name": f"{name}-nat-{zone}"},
                opts=pulumi.ResourceOptions(parent=self),
            )
            nats[zone] = aws.ec2.NatGateway(
                f"{name}-nat-{zone}",
                allocation_id=address.id,
                subnet_id=public[zone].id,
                tags={"Name": f"{name}-nat-{zone}"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]),
            )
        return nats

    def _flow_logs(self, name: str, args: NetworkArgs, vpc: aws.ec2.Vpc) -> None:
        """Flow logs of all traffic into a KMS-encrypted log group, written by a role that may only
        write to that group."""
        child = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=args.flow_log_group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        role = service_role(
            f"{name}-flow-logs",
            service="vpc-flow-logs.amazonaws.com",
            description="VPC flow logs write to their log group",
            account_id=args.account_id,
            # the flow log's ID is assigned after its role exists: any flow log of this account
            source_arn=pulumi.Output.format(
                "arn:{0}:ec2:{1}:{2}:vpc-flow-log/*", args.partition, args.region, args.account_id
            ),
            permissions_boundary=args.role_boundary_arn,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs", role=role.id, policy=_flow_log_policy(args, log_group), opts=child
        )
        aws.ec2.FlowLog(
            name,
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags={"Name": name},
            opts=child,
        )


def _subnet_cidrs(args: NetworkArgs) -> dict[str, Sequence[str]]:
    """The subnet CIDRs of each tier, public first."""
    return {"public": args.public_subnet_cidrs, "private": args.private_subnet_cidrs}


def _nat_zones(strategy: NatGateways, zones: list[str]) -> list[str]:
    """The zones that get a NAT gateway: none, the first, or every zone."""
    return {NatGateways.NONE: [], NatGateways.SINGLE: zones[:1], NatGateways.ONE_PER_AZ: zones}[strategy]


def _validate(args: NetworkArgs) -> None:
    """At least two zones, and one CIDR per zone in each tier."""
    zones = list(args.availability_zones)
    if len(zones) < 2:
        raise ValueError(f"availability_zones needs at least 2 zones, got {zones}")
    for label, cidrs in _subnet_cidrs(args).items():
        if len(cidrs) != len(zones):
            raise ValueError(
                f"{label}_subnet_cidrs needs one CIDR per zone ({len(zones)}), got {list(cidrs)}"
            )


def _flow_log_policy(args: NetworkArgs, log_group: aws.cloudwatch.LogGroup) -> pulumi.Output[str]:
    """Write to the flow-log group only; find log groups in the account (the service checks the
    destination exists)."""
    return policy_document([
        {
            "Sid": "WriteTheFlowLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [log_group.arn, pulumi.Output.concat(log_group.arn, ":*")],
        },
        {
            # The flow-log service checks the destination exists; this action can only be scoped
            # to the account's log groups.
            "Sid": "FindTheFlowLogGroup",
            "Effect": "Allow",
            "Action": "logs:DescribeLogGroups",
            "Resource": pulumi.Output.format(
                "arn:{0}:logs:{1}:{2}:log-group:*", args.partition, args.region, args.account_id
            ),
        },
    ])  # fmt: skip
