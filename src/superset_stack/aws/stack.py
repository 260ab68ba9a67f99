"""SupersetStack: the whole deployment for one stack, from validated settings.

Creates an AWS provider for the stack's region whose default tags (Project, Environment,
CostCenter, Owner, Stack, ManagedBy) land on every taggable resource, then composes, in order:
Secrets (the stack key and generated secrets) -> Network -> SecurityGroups -> VpcEndpoints
(optional) -> Storage -> Database -> Cache. Every child uses that provider.

The serving half (image, ECS services, load balancer, alarms, backups) builds on these outputs.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from superset_stack.aws.cache import Cache, CacheArgs
from superset_stack.aws.database import Database, DatabaseArgs
from superset_stack.aws.endpoints import VpcEndpoints, VpcEndpointsArgs
from superset_stack.aws.network import Network, NetworkArgs
from superset_stack.aws.secrets import Secrets, SecretsArgs
from superset_stack.aws.security_groups import SecurityGroups, SecurityGroupsArgs
from superset_stack.aws.storage import Storage, StorageArgs
from superset_stack.settings import NatGateways, Settings


class SupersetStack(pulumi.ComponentResource):
    """Superset's AWS foundation and data tier for one environment."""

    provider: aws.Provider
    secrets: Secrets
    network: Network
    security_groups: SecurityGroups
    endpoints: VpcEndpoints | None
    storage: Storage
    database: Database
    cache: Cache

    def __init__(self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:stack:SupersetStack", name, None, opts)
        s = settings
        prefix = s.resource_prefix

        self.provider = aws.Provider(
            f"{name}-aws",
            region=s.region,
            default_tags={"tags": s.tags},
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, provider=self.provider)
        invoke = pulumi.InvokeOutputOptions(parent=self, provider=self.provider)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition

        self.secrets = Secrets(
            f"{name}-secrets",
            SecretsArgs(
                account_id=account_id,
                partition=partition,
                region=s.region,
                alias=prefix,
                recovery_window_days=s.secret_recovery_window_days,
            ),
            opts=child,
        )
        key = self.secrets.kms_key_arn

        self.network = Network(
            f"{name}-network",
            NetworkArgs(
                region=s.region,
                account_id=account_id,
                partition=partition,
                availability_zones=s.availability_zones,
                vpc_cidr=s.vpc_cidr,
                public_subnet_cidrs=s.public_subnet_cidrs,
                private_subnet_cidrs=s.private_subnet_cidrs,
                kms_key_arn=key,
                flow_log_group_name=f"/superset/{s.stack}/vpc-flow-logs",
                nat_gateways=s.nat_gateways,
                log_retention_days=s.log_retention_days,
            ),
            opts=child,
        )
        self.security_groups = SecurityGroups(
            f"{name}-sg",
            SecurityGroupsArgs(
                vpc_id=self.network.vpc_id,
                s3_prefix_list_id=self.network.s3_prefix_list_id,
                alb_ingress_cidrs=s.alb_ingress_cidrs,
                http_to_https_redirect=s.http_to_https_redirect,
                vpc_endpoints=s.vpc_endpoints,
                internet_egress=s.nat_gateways is not NatGateways.NONE,
            ),
            opts=child,
        )
        self.endpoints = None
        endpoints_group = self.security_groups.endpoints_security_group_id
        if endpoints_group is not None:
            self.endpoints = VpcEndpoints(
                f"{name}-endpoints",
                VpcEndpointsArgs(
                    region=s.region,
                    vpc_id=self.network.vpc_id,
                    subnet_ids=self.network.private_subnet_ids,
                    security_group_id=endpoints_group,
                ),
                opts=child,
            )
        self.storage = Storage(
            f"{name}-storage",
            StorageArgs(
                kms_key_arn=key,
                results_expiration_days=s.results_expiration_days,
                noncurrent_version_expiration_days=s.noncurrent_version_expiration_days,
            ),
            opts=child,
        )
        self.database = Database(
            f"{name}-db",
            DatabaseArgs(
                identifier=f"{prefix}-metadata",
                subnet_ids=self.network.private_subnet_ids,
                security_group_id=self.security_groups.database_security_group_id,
                kms_key_arn=key,
                instance_class=s.db_instance_class,
                parameter_group_family=s.db_parameter_group_family,
                engine_version=s.db_engine_version,
                allocated_storage_gib=s.db_allocated_storage_gib,
                max_allocated_storage_gib=s.db_max_allocated_storage_gib,
                multi_az=s.db_multi_az,
                deletion_protection=s.db_deletion_protection,
                backup_retention_days=s.db_backup_retention_days,
                backup_window=s.db_backup_window,
                maintenance_window=s.db_maintenance_window,
                performance_insights=s.db_performance_insights,
                monitoring_interval_seconds=s.db_monitoring_interval_seconds,
                log_retention_days=s.log_retention_days,
            ),
            opts=child,
        )
        self.cache = Cache(
            f"{name}-cache",
            CacheArgs(
                subnet_ids=self.network.private_subnet_ids,
                security_group_id=self.security_groups.cache_security_group_id,
                kms_key_arn=key,
                auth_token=self.secrets.redis_auth_token,
                node_type=s.cache_node_type,
                log_group_prefix=f"/superset/{s.stack}/cache",
                engine=s.cache_engine,
                engine_version=s.cache_engine_version,
                node_count=s.cache_node_count,
                snapshot_retention_days=s.cache_snapshot_retention_days,
                log_retention_days=s.log_retention_days,
            ),
            opts=child,
        )

        self.register_outputs({
            "vpc_id": self.network.vpc_id,
            "database_address": self.database.address,
            "cache_primary_endpoint": self.cache.primary_endpoint_address,
            "bucket_name": self.storage.bucket_name,
        })  # fmt: skip
