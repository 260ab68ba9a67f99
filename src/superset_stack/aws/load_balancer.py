"""LoadBalancer: the HTTPS entry point of Superset.

Creates an internet-facing Application Load Balancer in the public subnets of at least two zones
(drops invalid headers, strictest desync mitigation, idle timeout from the timeout chain, deletion
protection when asked), the target group of the web tasks (IP targets on 8088, health check on
Superset's /health, draining sized to the slowest request), an HTTPS listener with a TLS 1.3
post-quantum policy, an HTTP listener that only answers 301 to HTTPS, and, with a Route 53 zone,
the alias record of the host name.

Access logs go to a bucket of their own: private, ACLs off, TLS only, expiring with the log
retention, writable by Elastic Load Balancing's log delivery for this account's prefix only: the
region's Elastic Load Balancing account in regions launched before August 2022, the log delivery
service principal in the others (which have no such account). It uses SSE-S3 because ALB log
delivery cannot write to SSE-KMS buckets (the one documented exception to the stack key).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from superset_stack.aws.storage import deny_without_tls, private_bucket
from superset_stack.settings import CONTAINER_PORT

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"  # AWS's current recommendation
# Regions launched before August 2022 deliver access logs as a regional Elastic Load Balancing
# account (aws.elb.get_service_account knows it and fails for any other region); the regions
# launched since then (me-central-1, ap-south-2, ap-southeast-4, eu-central-2, eu-south-2,
# il-central-1, ca-west-1, ...) deliver as LOG_DELIVERY_SERVICE. "Enable access logs for your
# Application Load Balancer", step 2, in the Elastic Load Balancing user guide.
ELB_ACCOUNT_REGIONS = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-south-1", "eu-north-1", "me-south-1", "sa-east-1", "us-gov-east-1", "us-gov-west-1",
    "cn-north-1", "cn-northwest-1",
})  # fmt: skip
LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


@dataclass(frozen=True, kw_only=True)
class LoadBalancerArgs:
    """Inputs for :class:`LoadBalancer`.

    Attributes:
        vpc_id: VPC of the target group.
        public_subnet_ids: Public subnets, at least two zones.
        security_group_id: Group of the load balancer (from SecurityGroups).
        certificate_arn: Validated ACM certificate for the HTTPS listener.
        domain_name: Host name users open.
        account_id: Account whose access-log prefix the log delivery may write.
        region: Region of the load balancer; who delivers its access logs depends on it.
        hosted_zone_id: Route 53 zone for the alias record. Defaults to none (DNS managed elsewhere).
        idle_timeout_seconds: Connection idle timeout. Defaults to 65.
        deregistration_delay_seconds: Draining before a task stops. Defaults to 70.
        http_to_https_redirect: Also listen on 80 and answer 301. Defaults to True.
        deletion_protection: Refuse deletion. Defaults to True.
        access_log_retention_days: Days access logs are kept. Defaults to 365.
        ssl_policy: TLS policy of the HTTPS listener. Defaults to ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09.
        container_port: Port of the web tasks. Defaults to 8088.
    """

    vpc_id: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    certificate_arn: pulumi.Input[str]
    domain_name: str
    account_id: pulumi.Input[str]
    region: str
    hosted_zone_id: str = ""
    access_log_retention_days: int = 365
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
    access_log_bucket: pulumi.Output[str]
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

        logs_policy = self._access_log_bucket(name, args)

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
            access_logs={"bucket": logs_policy.bucket, "prefix": "alb", "enabled": True},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs_policy]),
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
                default_actions=[
                    {
                        "type": "redirect",
                        "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"},
                    }
                ],
                opts=child,
            )
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

        self.access_log_bucket = logs_policy.bucket
        self.load_balancer_arn = balancer.arn
        self.load_balancer_arn_suffix = balancer.arn_suffix
        self.dns_name = balancer.dns_name
        # ECS rejects a service whose target group has no listener yet: hand out the ARN only once the
        # HTTPS listener exists, so every consumer depends on both.
        self.target_group_arn = pulumi.Output.all(target_group.arn, https.arn).apply(lambda arns: arns[0])
        self.target_group_arn_suffix = target_group.arn_suffix
        self.https_listener_arn = https.arn
        self.url = f"https://{args.domain_name}"
        self.register_outputs(
            {
                "load_balancer_arn": self.load_balancer_arn,
                "load_balancer_arn_suffix": self.load_balancer_arn_suffix,
                "dns_name": self.dns_name,
                "target_group_arn": self.target_group_arn,
                "target_group_arn_suffix": self.target_group_arn_suffix,
                "https_listener_arn": self.https_listener_arn,
                "access_log_bucket": self.access_log_bucket,
                "url": self.url,
            }
        )

    def _access_log_bucket(self, name: str, args: LoadBalancerArgs) -> aws.s3.BucketPolicy:
        """The private access-log bucket; returns its policy (the load balancer waits for it)."""
        child = pulumi.ResourceOptions(parent=self)
        bucket, private = private_bucket(f"{name}-logs", child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-logs",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-logs",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-access-logs",
                    "status": "Enabled",
                    "filter": {},
                    "expiration": {"days": args.access_log_retention_days},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
                }
            ],
            opts=child,
        )
        log_objects = pulumi.Output.concat(bucket.arn, "/alb/AWSLogs/", args.account_id, "/*")
        return aws.s3.BucketPolicy(
            f"{name}-logs",
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        deny_without_tls(bucket),
                        {
                            "Sid": "LoadBalancerLogDelivery",
                            "Effect": "Allow",
                            "Principal": self._log_delivery_principal(args.region),
                            "Action": "s3:PutObject",
                            "Resource": log_objects,
                        },
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=private),
        )

    def _log_delivery_principal(self, region: str) -> dict[str, pulumi.Input[str]]:
        """Who writes the access logs: the region's Elastic Load Balancing account where it has one,
        else the log delivery service principal (see ELB_ACCOUNT_REGIONS)."""
        if region not in ELB_ACCOUNT_REGIONS:
            return {"Service": LOG_DELIVERY_SERVICE}
        account = aws.elb.get_service_account_output(
            region=region, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        return {"AWS": account.arn}
