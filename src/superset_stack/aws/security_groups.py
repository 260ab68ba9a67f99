"""SecurityGroups: the whole traffic matrix of the stack, readable on one screen.

Creates one security group per tier (load balancer, app tasks, database, cache, and the VPC
interface endpoints when they exist) and every rule as its own resource with a description; no
group has inline rules, so rules never fight each other. A group without egress rules can send
nothing.

    internet  --443 (and 80, only for the HTTPS redirect)-->  alb
    alb       --8088-->  app
    app       --8088-->  app      (the worker's browser to the web tasks' internal name: reports)
    app       --5432-->  database
    app       --6379-->  cache
    app       --443-->   S3 (gateway prefix list), interface endpoints, and the internet when a
                         NAT gateway exists (image registry, identity provider, warehouses, e-mail)
    app       --ports--> each egress destination: a CIDR, a prefix list or a security group
                         (warehouses, SMTP, LDAP), one rule `<name>-destination-<target>-<ports>` each

Nothing else is allowed in: the database, cache and endpoints accept only the app group.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from superset_stack.settings import CONTAINER_PORT, POSTGRES_PORT, REDIS_PORT

HTTPS_PORT = 443
HTTP_PORT = 80
# In a destination rule's name; the warehouse-driver policy counts the rules named with it.
DESTINATION_RULE = "destination"


@dataclass(frozen=True, kw_only=True)
class EgressDestination:
    """A further place the app tasks may connect to: TCP `from_port`-`to_port` on exactly one of
    `cidr_ipv4`, `prefix_list_id` or `referenced_security_group_id`, with a `description` AWS
    accepts (settings validate all of this in the user's terms first)."""

    description: str
    from_port: int
    to_port: int
    cidr_ipv4: str | None = None
    prefix_list_id: str | None = None
    referenced_security_group_id: str | None = None

    @property
    def target(self) -> str:
        targets = [t for t in (self.cidr_ipv4, self.prefix_list_id, self.referenced_security_group_id) if t]
        if len(targets) != 1:
            raise ValueError(
                f"egress destination {self.description!r}: give exactly one target, got {targets}"
            )
        return targets[0]

    @property
    def rule(self) -> str:
        """The rule's name from its target and ports, e.g. destination-10-20-0-0-16-5439."""
        ports = str(self.from_port) if self.from_port == self.to_port else f"{self.from_port}-{self.to_port}"
        return f"{DESTINATION_RULE}-{re.sub(r'[^a-z0-9]+', '-', self.target.lower())}-{ports}"


@dataclass(frozen=True, kw_only=True)
class SecurityGroupsArgs:
    """Inputs for :class:`SecurityGroups`.

    Attributes:
        vpc_id: VPC the groups belong to.
        s3_prefix_list_id: Prefix list of the S3 gateway endpoint (tasks reach S3 through it).
        alb_ingress_cidrs: IPv4 CIDRs allowed to reach the load balancer. Defaults to everyone.
        http_to_https_redirect: Also open port 80, for the redirect listener only. Defaults to True.
        vpc_endpoints: Create the endpoints group and let tasks reach it. Defaults to False.
        internet_egress: Let tasks open HTTPS connections to the internet (through NAT).
            Defaults to True.
        egress_destinations: Further places the tasks may connect to, one rule each. Defaults to none.
        container_port: Port the Superset web container listens on. Defaults to 8088.
    """

    vpc_id: pulumi.Input[str]
    s3_prefix_list_id: pulumi.Input[str]
    alb_ingress_cidrs: Sequence[str] = ("0.0.0.0/0",)
    http_to_https_redirect: bool = True
    vpc_endpoints: bool = False
    internet_egress: bool = True
    egress_destinations: Sequence[EgressDestination] = ()
    container_port: int = CONTAINER_PORT


class SecurityGroups(pulumi.ComponentResource):
    """Security groups for every tier and the rules between them."""

    alb_security_group_id: pulumi.Output[str]
    app_security_group_id: pulumi.Output[str]
    database_security_group_id: pulumi.Output[str]
    cache_security_group_id: pulumi.Output[str]
    endpoints_security_group_id: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: SecurityGroupsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("superset:security_groups:SecurityGroups", name, None, opts)
        _validate(args)
        self._child = pulumi.ResourceOptions(parent=self)
        self._name = name

        alb = self._group("alb", "Superset load balancer: HTTPS from the allowed CIDRs", args.vpc_id)
        app = self._group("app", "Superset tasks (web, worker, beat, migration)", args.vpc_id)
        database = self._group("database", "Superset metadata database (RDS PostgreSQL)", args.vpc_id)
        cache = self._group("cache", "Superset cache and Celery broker (ElastiCache)", args.vpc_id)
        endpoints = (
            self._group("endpoints", "VPC interface endpoints used by Superset tasks", args.vpc_id)
            if args.vpc_endpoints
            else None
        )

        # --- internet -> load balancer ----------------------------------------------------------
        for index, cidr in enumerate(args.alb_ingress_cidrs):
            self._ingress(f"alb-https-{index}", alb, HTTPS_PORT, f"HTTPS from {cidr}", cidr_ipv4=cidr)
            if args.http_to_https_redirect:
                self._ingress(
                    f"alb-http-{index}",
                    alb,
                    HTTP_PORT,
                    f"HTTP from {cidr}, answered only with a redirect to HTTPS",
                    cidr_ipv4=cidr,
                )
        self._egress(
            "alb-to-app", alb, args.container_port, "Forward requests to Superset web tasks", to_group=app
        )

        # --- load balancer -> app -> data tier ---------------------------------------------------
        self._ingress(
            "app-from-alb", app, args.container_port, "Requests from the load balancer", from_group=alb
        )
        # the worker opens the web tier by its internal name (screenshots of reports, cache warm-up)
        self._ingress(
            "app-from-app",
            app,
            args.container_port,
            "Worker to web tasks: report screenshots",
            from_group=app,
        )
        self._egress(
            "app-to-app", app, args.container_port, "Worker to web tasks: report screenshots", to_group=app
        )
        self._egress("app-to-database", app, POSTGRES_PORT, "Metadata database", to_group=database)
        self._egress("app-to-cache", app, REDIS_PORT, "Cache, Celery broker and results", to_group=cache)
        self._egress(
            "app-to-s3",
            app,
            HTTPS_PORT,
            "S3 through the gateway endpoint (bucket, image layers)",
            prefix_list_id=args.s3_prefix_list_id,
        )
        if endpoints is not None:
            self._egress(
                "app-to-endpoints",
                app,
                HTTPS_PORT,
                "AWS APIs through the VPC interface endpoints",
                to_group=endpoints,
            )
            self._ingress(
                "endpoints-from-app",
                endpoints,
                HTTPS_PORT,
                "AWS API calls from Superset tasks",
                from_group=app,
            )
        if args.internet_egress:
            self._egress(
                "app-to-internet",
                app,
                HTTPS_PORT,
                "HTTPS through NAT: image registry, identity provider, warehouses, webhooks",
                cidr_ipv4="0.0.0.0/0",
            )
        self._destinations(app, args.egress_destinations)
        self._ingress(
            "database-from-app", database, POSTGRES_PORT, "PostgreSQL from Superset tasks", from_group=app
        )
        self._ingress("cache-from-app", cache, REDIS_PORT, "Redis from Superset tasks", from_group=app)

        self.alb_security_group_id = alb.id
        self.app_security_group_id = app.id
        self.database_security_group_id = database.id
        self.cache_security_group_id = cache.id
        self.endpoints_security_group_id = endpoints.id if endpoints is not None else None
        self.register_outputs({
            "alb_security_group_id": self.alb_security_group_id,
            "app_security_group_id": self.app_security_group_id,
            "database_security_group_id": self.database_security_group_id,
            "cache_security_group_id": self.cache_security_group_id,
            "endpoints_security_group_id": self.endpoints_security_group_id,
        })  # fmt: skip

    def _destinations(self, app: aws.ec2.SecurityGroup, destinations: Sequence[EgressDestination]) -> None:
        """One described egress rule `<name>-destination-<target>-<ports>` per further destination."""
        for destination in destinations:
            self._egress(
                destination.rule,
                app,
                destination.from_port,
                destination.description,
                to_port=destination.to_port,
                cidr_ipv4=destination.cidr_ipv4,
                prefix_list_id=destination.prefix_list_id,
                referenced_security_group_id=destination.referenced_security_group_id,
            )

    def _group(self, role: str, description: str, vpc_id: pulumi.Input[str]) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            f"{self._name}-{role}",
            vpc_id=vpc_id,
            description=description,
            tags={"Name": f"{self._name}-{role}"},
            opts=self._child,
        )

    def _ingress(
        self,
        rule: str,
        group: aws.ec2.SecurityGroup,
        port: int,
        description: str,
        *,
        cidr_ipv4: str | None = None,
        from_group: aws.ec2.SecurityGroup | None = None,
    ) -> None:
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-{rule}",
            security_group_id=group.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            cidr_ipv4=cidr_ipv4,
            referenced_security_group_id=from_group.id if from_group is not None else None,
            description=description,
            opts=self._child,
        )

    def _egress(
        self,
        rule: str,
        group: aws.ec2.SecurityGroup,
        port: int,
        description: str,
        *,
        to_port: int | None = None,
        cidr_ipv4: str | None = None,
        to_group: aws.ec2.SecurityGroup | None = None,
        prefix_list_id: pulumi.Input[str] | None = None,
        referenced_security_group_id: str | None = None,
    ) -> None:
        """TCP egress from `group` on `port` (through `to_port` when given) to one destination."""
        aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-{rule}",
            security_group_id=group.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port if to_port is None else to_port,
            cidr_ipv4=cidr_ipv4,
            referenced_security_group_id=to_group.id
            if to_group is not None
            else referenced_security_group_id,
            prefix_list_id=prefix_list_id,
            description=description,
            opts=self._child,
        )


def _validate(args: SecurityGroupsArgs) -> None:
    """Raise ValueError for an empty ingress list, or a destination without exactly one target,
    with ports outside 1-65535 or out of order, or named twice."""
    if not args.alb_ingress_cidrs:
        raise ValueError("alb_ingress_cidrs is empty: nobody could reach the load balancer")
    rules = [destination.rule for destination in args.egress_destinations]  # checks one target each
    for destination in args.egress_destinations:
        if not 1 <= destination.from_port <= destination.to_port <= 65535:
            raise ValueError(
                f"egress destination {destination.description!r}: need 1 <= from_port <= to_port <= 65535, "
                f"got {destination.from_port}-{destination.to_port}"
            )
    if len(set(rules)) != len(rules):
        raise ValueError(f"egress destinations repeat a target and ports: {sorted(rules)}")
