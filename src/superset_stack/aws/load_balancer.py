"""LoadBalancer: the HTTPS entry point of Superset.

Creates an internet-facing Application Load Balancer in the public subnets of at least two zones
(drops invalid headers, strictest desync mitigation, idle timeout from the timeout chain, deletion
protection when asked), the target group of the web tasks (IP targets on 8088, health check on
Superset's /health, draining sized to the slowest request), an HTTPS listener with a TLS 1.3
post-quantum policy, an HTTP listener that only answers 301 to HTTPS, and, with a Route 53 zone,
the alias record of the host name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from superset_stack.settings import CONTAINER_PORT

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"  # AWS's current recommendation


@dataclass(frozen=True, kw_only=True)
class LoadBalancerArgs:
    """Inputs for :class:`LoadBalancer`.

    Attributes:
        vpc_id: VPC of the target group.
        public_subnet_ids: Public subnets, at least two zones.
        security_group_id: Group of the load balancer (from SecurityGroups).
        certificate_arn: Validated ACM certificate for the HTTPS listener.
        domain_name: Host name users open.
        hosted_zone_id: Route 53 zone for the alias record. Defaults to none (DNS managed elsewhere).
        idle_timeout_seconds: Connection idle timeout. Defaults to 65.
        deregistration_delay_seconds: Draining before a task stops. Defaults to 70.
        http_to_https_redirect: Also listen on 80 and answer 301. Defaults to True.
        deletion_protection: Refuse deletion. Defaults to True.
        ssl_policy: TLS policy of the HTTPS listener. Defaults to ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09.
        container_port: Port of the web tasks. Defaults to 8088.
    """

    vpc_id: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    certificate_arn: pulumi.Input[str]
    domain_name: str
    hosted_zone_id: str = ""
    idle_timeout_seconds: int = 65
    deregistration_delay_seconds: int = 70
    http_to_https_redirect: bool = True
    deletion_protection: bool = True
    ssl_policy: str = TLS_POLICY
    container_port: int = CONTAINER_PORT


class LoadBalancer(pulumi.ComponentResource):
    """An HTTPS-only Application Load Balancer in front of the Superset web tasks."""

    load_balancer_arn: pulumi.Output[str]
    load_balancer_arn_suffix: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]
    https_listener_arn: pulumi.Output[str]
    url: str

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:load_balancer:LoadBalancer", name, None, opts)
        if len(args.public_subnet_ids) < 2:
            raise ValueError(
                f"public_subnet_ids must span at least two zones, got {len(args.public_subnet_ids)}"
            )
        if not args.ssl_policy.startswith("ELBSecurityPolicy-TLS13-"):
            raise ValueError(
                f"ssl_policy must be a TLS 1.3 policy (ELBSecurityPolicy-TLS13-...), got {args.ssl_policy!r}"
            )
        child = pulumi.ResourceOptions(parent=self)

        balancer = aws.lb.LoadBalancer(
            name,
            load_balancer_type="application",
            internal=False,
            subnets=list(args.public_subnet_ids),
            security_groups=[args.security_group_id],
            drop_invalid_header_fields=True,
            desync_mitigation_mode="strictest",
            idle_timeout=args.idle_timeout_seconds,
            enable_deletion_protection=args.deletion_protection,
            enable_http2=True,
            opts=child,
        )
        target_group = aws.lb.TargetGroup(
            f"{name}-web",
            port=args.container_port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            deregistration_delay=args.deregistration_delay_seconds,
            health_check={
                "path": "/health",  # Superset's liveness endpoint: no database call, no task storms
                "matcher": "200",
                "protocol": "HTTP",
                "port": "traffic-port",
                "interval": 15,
                "timeout": 5,
                "healthy_threshold": 2,
                "unhealthy_threshold": 3,
            },
            opts=child,
        )
        https = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=balancer.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=args.ssl_policy,
            certificate_arn=args.certificate_arn,
            default_actions=[{"type": "forward", "target_group_arn": target_group.arn}],
            opts=child,
        )
        if args.http_to_https_redirect:
            aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=balancer.arn,
                port=80,
                protocol="HTTP",
                default_actions=[{
                    "type": "redirect",
                    "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"},
                }],
                opts=child,
            )  # fmt: skip
        if args.hosted_zone_id:
            aws.route53.Record(
                f"{name}-alias",
                zone_id=args.hosted_zone_id,
                name=args.domain_name,
                type="A",
                aliases=[
                    {"name": balancer.dns_name, "zone_id": balancer.zone_id, "evaluate_target_health": True}
                ],
                opts=child,
            )

        self.load_balancer_arn = balancer.arn
        self.load_balancer_arn_suffix = balancer.arn_suffix
        self.dns_name = balancer.dns_name
        self.target_group_arn = target_group.arn
        self.target_group_arn_suffix = target_group.arn_suffix
        self.https_listener_arn = https.arn
        self.url = f"https://{args.domain_name}"
        self.register_outputs({
            "load_balancer_arn": self.load_balancer_arn,
            "load_balancer_arn_suffix": self.load_balancer_arn_suffix,
            "dns_name": self.dns_name,
            "target_group_arn": self.target_group_arn,
            "target_group_arn_suffix": self.target_group_arn_suffix,
            "https_listener_arn": self.https_listener_arn,
            "url": self.url,
        })  # fmt: skip
