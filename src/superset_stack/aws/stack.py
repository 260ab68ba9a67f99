"""SupersetStack: the whole deployment for one stack, from validated settings.

Creates an AWS provider for the stack's region whose default tags (Project, Environment,
CostCenter, Owner, Stack, ManagedBy) land on every taggable resource, then composes, in order:
Secrets (the stack key and generated secrets) -> Network -> SecurityGroups -> VpcEndpoints
(optional) -> Storage -> Database -> Cache -> Certificate -> LoadBalancer -> WebFirewall
(optional) -> Image -> Services -> Observability -> Backup. Every child uses that provider.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from superset_stack import sizing
from superset_stack.aws.backup import BACKUP_SCHEDULE, Backup, BackupArgs
from superset_stack.aws.cache import Cache, CacheArgs
from superset_stack.aws.certificate import Certificate, CertificateArgs
from superset_stack.aws.database import Database, DatabaseArgs
from superset_stack.aws.endpoints import VpcEndpoints, VpcEndpointsArgs
from superset_stack.aws.image import Image, ImageArgs
from superset_stack.aws.load_balancer import LoadBalancer, LoadBalancerArgs
from superset_stack.aws.network import Network, NetworkArgs
from superset_stack.aws.observability import Observability, ObservabilityArgs
from superset_stack.aws.secrets import Secrets, SecretsArgs
from superset_stack.aws.security_groups import SecurityGroups, SecurityGroupsArgs
from superset_stack.aws.service import Services, ServicesArgs
from superset_stack.aws.storage import Storage, StorageArgs
from superset_stack.aws.waf import WebFirewall, WebFirewallArgs
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
    certificate: Certificate
    load_balancer: LoadBalancer
    firewall: WebFirewall | None
    image: Image
    services: Services
    observability: Observability
    backup: Backup

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
                    subnet_ids=(
                        self.network.private_subnet_ids
                        if s.vpc_endpoints_all_zones
                        else self.network.private_subnet_ids[:1]
                    ),
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
                office_hours=s.schedule,
                office_hours_timezone=s.office_hours_timezone,
                account_id=account_id,
                partition=partition,
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

        # --- the serving tier ----------------------------------------------------------------------
        self.certificate = Certificate(
            f"{name}-cert",
            CertificateArgs(
                domain_name=s.domain_name,
                hosted_zone_id="" if s.certificate_arn else s.hosted_zone_id,
                certificate_arn=s.certificate_arn,
            ),
            opts=child,
        )
        self.load_balancer = LoadBalancer(
            f"{name}-alb",
            LoadBalancerArgs(
                vpc_id=self.network.vpc_id,
                public_subnet_ids=self.network.public_subnet_ids,
                security_group_id=self.security_groups.alb_security_group_id,
                certificate_arn=self.certificate.certificate_arn,
                domain_name=s.domain_name,
                account_id=account_id,
                region=s.region,
                hosted_zone_id=s.hosted_zone_id,
                access_log_retention_days=s.log_retention_days,
                idle_timeout_seconds=s.alb_idle_timeout_seconds,
                deregistration_delay_seconds=sizing.deregistration_delay_seconds(s.gunicorn_timeout_seconds),
                http_to_https_redirect=s.http_to_https_redirect,
                deletion_protection=s.alb_deletion_protection,
            ),
            opts=child,
        )
        self.firewall = None
        if s.waf_enabled:
            self.firewall = WebFirewall(
                f"{name}-waf",
                WebFirewallArgs(
                    load_balancer_arn=self.load_balancer.load_balancer_arn,
                    metric_prefix=prefix,
                    rate_limit_per_5_minutes=s.waf_rate_limit_per5_minutes,
                ),
                opts=child,
            )
        self.image = Image(
            f"{name}-image",
            ImageArgs(
                kms_key_arn=key,
                cpu_architecture=s.cpu_architecture,
                warehouse_drivers=s.warehouse_drivers,
                image_uri=s.image_uri,
            ),
            opts=child,
        )
        self.services = Services(
            f"{name}-app",
            ServicesArgs(
                region=s.region,
                account_id=account_id,
                environment=s.environment,
                public_url=self.load_balancer.url,
                image_ref=self.image.image_ref,
                repository_arn=self.image.repository_arn,
                kms_key_arn=key,
                private_subnet_ids=self.network.private_subnet_ids,
                security_group_id=self.security_groups.app_security_group_id,
                target_group_arn=self.load_balancer.target_group_arn,
                load_balancer_arn_suffix=self.load_balancer.load_balancer_arn_suffix,
                target_group_arn_suffix=self.load_balancer.target_group_arn_suffix,
                database_address=self.database.address,
                database_port=self.database.port,
                database_name=self.database.database_name,
                database_user=self.database.master_username,
                database_secret_arn=self.database.master_user_secret_arn,
                database_instance_identifier=self.database.instance_identifier,
                cache_address=self.cache.primary_endpoint_address,
                cache_port=self.cache.port,
                secret_key_arn=self.secrets.secret_key_arn,
                previous_secret_key_arn=s.previous_secret_key_secret_arn or None,
                admin_password_arn=self.secrets.admin_password_arn,
                redis_auth_token_arn=self.secrets.redis_auth_token_arn,
                bucket_name=self.storage.bucket_name,
                bucket_arn=self.storage.bucket_arn,
                results_prefix=self.storage.results_prefix,
                family_prefix=prefix,
                log_group_prefix=f"/superset/{s.stack}",
                log_retention_days=s.log_retention_days,
                cpu_architecture=s.cpu_architecture,
                web_cpu=s.web_cpu,
                web_memory_mib=s.web_memory_mib,
                web_min_tasks=s.web_min_tasks,
                web_max_tasks=s.web_max_tasks,
                gunicorn_workers=s.gunicorn_workers,
                gunicorn_threads=s.gunicorn_threads,
                gunicorn_timeout_seconds=s.gunicorn_timeout_seconds,
                gunicorn_keepalive_seconds=s.gunicorn_keepalive_seconds,
                health_check_grace_period_seconds=s.health_check_grace_period_seconds,
                worker_cpu=s.worker_cpu,
                worker_memory_mib=s.worker_memory_mib,
                worker_tasks=s.worker_tasks,
                celery_concurrency=s.celery_concurrency,
                cpu_target_percent=s.autoscaling_cpu_target_percent,
                memory_target_percent=s.autoscaling_memory_target_percent,
                fargate_spot=s.fargate_spot,
                office_hours=s.schedule,
                office_hours_timezone=s.office_hours_timezone,
            ),
            opts=child,
        )

        # --- operations ----------------------------------------------------------------------------
        self.observability = Observability(
            f"{name}-ops",
            ObservabilityArgs(
                region=s.region,
                account_id=account_id,
                kms_key_arn=key,
                dashboard_name=prefix,
                metric_namespace=f"Superset/{s.stack}",
                cluster_name=self.services.cluster_name,
                web_service_name=self.services.web_service_name,
                worker_service_name=self.services.worker_service_name,
                load_balancer_arn_suffix=self.load_balancer.load_balancer_arn_suffix,
                target_group_arn_suffix=self.load_balancer.target_group_arn_suffix,
                database_identifier=self.database.instance_identifier,
                database_storage_gib=s.db_allocated_storage_gib,
                database_connections_alarm=s.connection_budget.limit,
                cache_node_ids=self.cache.node_ids,
                certificate_arn=self.certificate.certificate_arn,
                log_group_names=[
                    self.services.log_group_names["web"],
                    self.services.log_group_names["worker"],
                ],
                alarm_email=s.alarm_email,
                cpu_percent=s.alarm_cpu_percent,
                memory_percent=s.alarm_memory_percent,
            ),
            opts=child,
        )
        self.backup = Backup(
            f"{name}-backup",
            BackupArgs(
                kms_key_arn=key,
                database_arn=self.database.instance_arn,
                database_identifier=self.database.instance_identifier,
                topic_arn=self.observability.topic_arn,
                retention_days=s.backup_retention_days,
                # a stopped database cannot be backed up: with office hours, back up as the day starts
                schedule=s.schedule.services_start if s.schedule else BACKUP_SCHEDULE,
                schedule_timezone=s.office_hours_timezone if s.schedule else "UTC",
                copy_region=s.backup_copy_region,
                account_id=account_id,
                partition=partition,
                tags=s.tags,
            ),
            opts=child,
        )

        self.register_outputs({
            "url": self.load_balancer.url,
            "vpc_id": self.network.vpc_id,
            "database_address": self.database.address,
            "cache_primary_endpoint": self.cache.primary_endpoint_address,
            "bucket_name": self.storage.bucket_name,
        })  # fmt: skip
