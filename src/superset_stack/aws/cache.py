"""Cache: the ElastiCache replication group behind Superset's caches and Celery.

Creates:
- a cache subnet group over the private subnets (never the default subnet group);
- slow-log and engine-log groups with retention on the stack key, and log delivery to them;
- a Valkey (or Redis OSS) replication group: TLS required in transit, an AUTH token from Secrets
  Manager (rotated without dropping clients: the ROTATE strategy keeps the old token valid until
  the new one is set), encryption at rest with the stack key, snapshots, automatic minor upgrades.
  With two or more nodes, automatic failover and Multi-AZ are on.

A replication group is the only ElastiCache shape that offers TLS, AUTH and failover for Redis and
Valkey (aws.elasticache.Cluster does not), which is why the guide's cache could not work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from superset_stack.settings import REDIS_PORT

LOG_TYPES: tuple[str, ...] = ("slow-log", "engine-log")


@dataclass(frozen=True, kw_only=True)
class CacheArgs:
    """Inputs for :class:`Cache`.

    Attributes:
        subnet_ids: Private subnets, one per zone.
        security_group_id: Group of the cache (accepts Redis from the app tasks only).
        kms_key_arn: Key for at-rest encryption and the log groups.
        auth_token: AUTH token (secret).
        node_type: ElastiCache node type, e.g. ``cache.t4g.small``.
        log_group_prefix: Prefix of the slow-log and engine-log group names.
        engine: ``valkey`` or ``redis``. Defaults to ``valkey`` (same protocol, lower price).
        engine_version: major.minor. Defaults to ``8.2``.
        node_count: Primary plus replicas, 1-6. Defaults to 2 (automatic failover, Multi-AZ).
        snapshot_retention_days: Days of snapshots. Defaults to 3.
        snapshot_window: Daily UTC window. Defaults to ``01:00-02:00``.
        maintenance_window: Weekly UTC window. Defaults to ``sun:06:00-sun:07:00``.
        log_retention_days: Retention of the delivered logs. Defaults to 365.
    """

    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    auth_token: pulumi.Input[str]
    node_type: str
    log_group_prefix: str
    engine: str = "valkey"
    engine_version: str = "8.2"
    node_count: int = 2
    snapshot_retention_days: int = 3
    snapshot_window: str = "01:00-02:00"
    maintenance_window: str = "sun:06:00-sun:07:00"
    log_retention_days: int = 365


class Cache(pulumi.ComponentResource):
    """An encrypted, authenticated Valkey/Redis replication group."""

    replication_group_id: pulumi.Output[str]
    node_ids: list[pulumi.Output[str]]
    primary_endpoint_address: pulumi.Output[str]
    reader_endpoint_address: pulumi.Output[str]
    port: int
    automatic_failover: bool

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:cache:Cache", name, None, opts)
        if args.engine not in ("valkey", "redis"):
            raise ValueError(f"engine must be valkey or redis, got {args.engine!r}")
        if not 1 <= args.node_count <= 6:
            raise ValueError(f"node_count must be 1-6, got {args.node_count}")
        if not 1 <= args.snapshot_retention_days <= 35:
            raise ValueError(f"snapshot_retention_days must be 1-35, got {args.snapshot_retention_days}")
        child = pulumi.ResourceOptions(parent=self)
        failover = args.node_count >= 2

        subnet_group = aws.elasticache.SubnetGroup(
            name,
            description=f"Private subnets of the {name} cache",
            subnet_ids=list(args.subnet_ids),
            opts=child,
        )
        log_groups = {
            log_type: aws.cloudwatch.LogGroup(
                f"{name}-{log_type}",
                name=f"{args.log_group_prefix}/{log_type}",
                retention_in_days=args.log_retention_days,
                kms_key_id=args.kms_key_arn,
                opts=child,
            )
            for log_type in LOG_TYPES
        }
        group = aws.elasticache.ReplicationGroup(
            name,
            description=f"Superset cache, Celery broker and results ({name})",
            engine=args.engine,
            engine_version=args.engine_version,
            node_type=args.node_type,
            num_cache_clusters=args.node_count,
            automatic_failover_enabled=failover,
            multi_az_enabled=failover,
            port=REDIS_PORT,
            subnet_group_name=subnet_group.name,
            security_group_ids=[args.security_group_id],
            at_rest_encryption_enabled=True,
            kms_key_id=args.kms_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            auth_token=args.auth_token,
            auth_token_update_strategy="ROTATE",
            snapshot_retention_limit=args.snapshot_retention_days,
            snapshot_window=args.snapshot_window,
            maintenance_window=args.maintenance_window,
            auto_minor_version_upgrade=True,
            apply_immediately=False,
            log_delivery_configurations=[
                {
                    "destination": log_group.name,
                    "destination_type": "cloudwatch-logs",
                    "log_format": "json",
                    "log_type": log_type,
                }
                for log_type, log_group in log_groups.items()
            ],
            opts=child,
        )

        self.replication_group_id = group.id
        # ElastiCache names the nodes of a replication group <id>-001, -002, ...
        self.node_ids = [
            pulumi.Output.concat(group.id, f"-{index:03d}") for index in range(1, args.node_count + 1)
        ]
        self.primary_endpoint_address = group.primary_endpoint_address
        self.reader_endpoint_address = group.reader_endpoint_address
        self.port = REDIS_PORT
        self.automatic_failover = failover
        self.register_outputs({
            "replication_group_id": self.replication_group_id,
            "node_ids": self.node_ids,
            "primary_endpoint_address": self.primary_endpoint_address,
            "reader_endpoint_address": self.reader_endpoint_address,
            "port": self.port,
            "automatic_failover": self.automatic_failover,
        })  # fmt: skip
