"""SupersetStack: the whole deployment for one stack, from validated settings.

Creates an AWS provider for the stack's region whose default tags (Project, Environment,
CostCenter, Owner, Stack, ManagedBy) land on every taggable resource, then composes, in order:
Secrets (the stack key and generated secrets) -> Network -> SecurityGroups -> VpcEndpoints
(optional) -> Storage -> Database -> Cache -> Certificate -> LoadBalancer -> WebFirewall
(optional) -> Image -> Services -> Observability -> LogQueries -> Backup. Every child uses that
provider.

Each component's args come from a module-level builder (`network_args`, `database_args`, ...,
`backup_args`): a pure function of the settings, the account, the stack key and the components it
draws on, so the mapping from settings to args is tested without building anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from superset_stack import sizing
from superset_stack.aws.backup import BACKUP_SCHEDULE, SCHEDULED_STOP_AND_START, Backup, BackupArgs
from superset_stack.aws.cache import Cache, CacheArgs
from superset_stack.aws.certificate import Certificate, CertificateArgs
from superset_stack.aws.database import Database, DatabaseArgs
from superset_stack.aws.endpoints import VpcEndpoints, VpcEndpointsArgs
from superset_stack.aws.image import Image, ImageArgs
from superset_stack.aws.load_balancer import LoadBalancer, LoadBalancerArgs
from superset_stack.aws.log_queries import LogQueries, LogQueriesArgs
from superset_stack.aws.network import Network, NetworkArgs
from superset_stack.aws.observability import Observability, ObservabilityArgs
from superset_stack.aws.secrets import Secrets, SecretsArgs
from superset_stack.aws.security_groups import EgressDestination, SecurityGroups, SecurityGroupsArgs
from superset_stack.aws.service import ReportDelivery, Services, ServicesArgs
from superset_stack.aws.sign_in import sign_in_environment, sign_in_secret_arns
from superset_stack.aws.storage import Storage, StorageArgs
from superset_stack.aws.waf import WebFirewall, WebFirewallArgs
from superset_stack.ops.snapshots import superset_version
from superset_stack.settings import NatGateways, Settings
from superset_stack.warehouses import (
    athena_access,
    credentials,
    declaration,
    image_drivers,
    network_paths,
    secret_arns,
)


@dataclass(frozen=True)
class Account:
    """The AWS account and partition the stack deploys into (from the provider's caller identity)."""

    id: pulumi.Input[str]
    partition: pulumi.Input[str]


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
    log_queries: LogQueries
    backup: Backup

    def __init__(self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:stack:SupersetStack", name, None, opts)
        s = settings
        self.provider = aws.Provider(
            f"{name}-aws",
            region=s.region,
            default_tags={"tags": s.tags},
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, provider=self.provider)
        account = self._account()

        self.secrets = Secrets(f"{name}-secrets", secrets_args(s, account), opts=child)
        key = self.secrets.kms_key_arn
        self.network = Network(f"{name}-network", network_args(s, account, key), opts=child)
        self.security_groups = SecurityGroups(
            f"{name}-sg", security_groups_args(s, network=self.network), opts=child
        )
        endpoints_group = self.security_groups.endpoints_security_group_id
        self.endpoints = None
        if endpoints_group is not None:
            self.endpoints = VpcEndpoints(
                f"{name}-endpoints",
                endpoints_args(s, network=self.network, security_group_id=endpoints_group),
                opts=child,
            )
        self.storage = Storage(f"{name}-storage", storage_args(s, key), opts=child)
        self.database = Database(
            f"{name}-db",
            database_args(s, account, key, network=self.network, security_groups=self.security_groups),
            opts=child,
        )
        self.cache = Cache(
            f"{name}-cache",
            cache_args(
                s, key, network=self.network, security_groups=self.security_groups, secrets=self.secrets
            ),
            opts=child,
        )

        # --- the serving tier ----------------------------------------------------------------------
        self.certificate = Certificate(f"{name}-cert", certificate_args(s), opts=child)
        self.load_balancer = LoadBalancer(
            f"{name}-alb",
            load_balancer_args(
                s, account,
                network=self.network, security_groups=self.security_groups, certificate=self.certificate,
            ),
            opts=child,
        )  # fmt: skip
        self.firewall = None
        if s.waf_enabled:
            self.firewall = WebFirewall(
                f"{name}-waf", firewall_args(s, load_balancer=self.load_balancer), opts=child
            )
        self.image = Image(f"{name}-image", image_args(s, key), opts=child)
        self.services = Services(
            f"{name}-app",
            services_args(
                s, account, key,
                network=self.network, security_groups=self.security_groups, secrets=self.secrets,
                storage=self.storage, database=self.database, cache=self.cache,
                load_balancer=self.load_balancer, image=self.image,
            ),
            opts=child,
        )  # fmt: skip

        # --- operations ----------------------------------------------------------------------------
        self.observability = Observability(
            f"{name}-ops",
            observability_args(
                s, account, key,
                database=self.database, cache=self.cache, certificate=self.certificate,
                load_balancer=self.load_balancer, services=self.services,
            ),
            opts=child,
        )  # fmt: skip
        self.log_queries = LogQueries(
            f"{name}-queries", log_queries_args(s, services=self.services), opts=child
        )
        self.backup = Backup(
            f"{name}-backup",
            backup_args(s, account, key, database=self.database, observability=self.observability),
            opts=child,
        )

        self.register_outputs({
            "url": self.load_balancer.url,
            "vpc_id": self.network.vpc_id,
            "database_address": self.database.address,
            "cache_primary_endpoint": self.cache.primary_endpoint_address,
            "bucket_name": self.storage.bucket_name,
        })  # fmt: skip

    def _account(self) -> Account:
        """The caller's account and partition, looked up through the stack's provider."""
        invoke = pulumi.InvokeOutputOptions(parent=self, provider=self.provider)
        return Account(
            id=aws.get_caller_identity_output(opts=invoke).account_id,
            partition=aws.get_partition_output(opts=invoke).partition,
        )


# --- args of each component, from the settings and the components it draws on ---------------------


def secrets_args(s: Settings, account: Account) -> SecretsArgs:
    """The stack key's alias and where its policy may be used; the secrets' recovery window."""
    return SecretsArgs(
        account_id=account.id,
        partition=account.partition,
        region=s.region,
        alias=s.resource_prefix,
        recovery_window_days=s.secret_recovery_window_days,
    )


def network_args(s: Settings, account: Account, key: pulumi.Input[str]) -> NetworkArgs:
    """Zones, CIDRs and NAT strategy from the settings; flow logs under /superset/<stack>/."""
    return NetworkArgs(
        region=s.region,
        account_id=account.id,
        partition=account.partition,
        availability_zones=s.availability_zones,
        vpc_cidr=s.vpc_cidr,
        public_subnet_cidrs=s.public_subnet_cidrs,
        private_subnet_cidrs=s.private_subnet_cidrs,
        kms_key_arn=key,
        flow_log_group_name=f"/superset/{s.stack}/vpc-flow-logs",
        nat_gateways=s.nat_gateways,
        log_retention_days=s.log_retention_days,
        role_boundary_arn=s.role_boundary_arn or None,
    )


def security_groups_args(s: Settings, *, network: Network) -> SecurityGroupsArgs:
    """The traffic matrix's inputs; tasks get internet egress only when there is a NAT gateway, and
    one rule per egress destination and per warehouse connections' target and port, in AWS's terms."""
    return SecurityGroupsArgs(
        vpc_id=network.vpc_id,
        s3_prefix_list_id=network.s3_prefix_list_id,
        alb_ingress_cidrs=s.alb_ingress_cidrs,
        http_to_https_redirect=s.http_to_https_redirect,
        vpc_endpoints=s.vpc_endpoints,
        internet_egress=s.nat_gateways is not NatGateways.NONE,
        egress_destinations=tuple(
            EgressDestination(
                description=destination.description,
                from_port=destination.ports[0],
                to_port=destination.ports[1],
                cidr_ipv4=destination.cidr,
                prefix_list_id=destination.prefix_list_id,
                referenced_security_group_id=destination.security_group_id,
            )
            for destination in s.egress_destinations
        )
        + tuple(
            EgressDestination(
                description=path.description,
                from_port=path.port,
                to_port=path.port,
                **{_RULE_TARGETS[path.key]: path.target},
            )
            for path in network_paths(s.warehouse_connections)
        ),
    )


# a warehouse connection's target field -> EgressDestination's
_RULE_TARGETS = {
    "cidr": "cidr_ipv4",
    "prefixListId": "prefix_list_id",
    "securityGroupId": "referenced_security_group_id",
}


def endpoints_args(
    s: Settings, *, network: Network, security_group_id: pulumi.Input[str]
) -> VpcEndpointsArgs:
    """Interface endpoints in every private subnet, or only the first zone's to save cost."""
    subnet_ids = network.private_subnet_ids if s.vpc_endpoints_all_zones else network.private_subnet_ids[:1]
    return VpcEndpointsArgs(
        region=s.region,
        vpc_id=network.vpc_id,
        subnet_ids=subnet_ids,
        security_group_id=security_group_id,
    )


def storage_args(s: Settings, key: pulumi.Input[str]) -> StorageArgs:
    """The results bucket on the stack key, with the settings' expirations."""
    return StorageArgs(
        kms_key_arn=key,
        results_expiration_days=s.results_expiration_days,
        noncurrent_version_expiration_days=s.noncurrent_version_expiration_days,
    )


def database_args(
    s: Settings,
    account: Account,
    key: pulumi.Input[str],
    *,
    network: Network,
    security_groups: SecurityGroups,
) -> DatabaseArgs:
    """The metadata database `<prefix>-metadata` in the private subnets, sized and protected by the
    settings, stopped outside office hours when they are set."""
    return DatabaseArgs(
        identifier=f"{s.resource_prefix}-metadata",
        subnet_ids=network.private_subnet_ids,
        security_group_id=security_groups.database_security_group_id,
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
        account_id=account.id,
        region=s.region,
        partition=account.partition,
        role_boundary_arn=s.role_boundary_arn or None,
    )


def cache_args(
    s: Settings,
    key: pulumi.Input[str],
    *,
    network: Network,
    security_groups: SecurityGroups,
    secrets: Secrets,
) -> CacheArgs:
    """The Redis/Valkey replication group in the private subnets, with the generated auth token;
    logs under /superset/<stack>/cache."""
    return CacheArgs(
        subnet_ids=network.private_subnet_ids,
        security_group_id=security_groups.cache_security_group_id,
        kms_key_arn=key,
        auth_token=secrets.redis_auth_token,
        node_type=s.cache_node_type,
        log_group_prefix=f"/superset/{s.stack}/cache",
        engine=s.cache_engine,
        engine_version=s.cache_engine_version,
        node_count=s.cache_node_count,
        snapshot_retention_days=s.cache_snapshot_retention_days,
        log_retention_days=s.log_retention_days,
    )


def certificate_args(s: Settings) -> CertificateArgs:
    """An imported certificate when its ARN is set (then no hosted zone: nothing to validate), else
    a new one validated in the hosted zone."""
    return CertificateArgs(
        domain_name=s.domain_name,
        hosted_zone_id="" if s.certificate_arn else s.hosted_zone_id,
        certificate_arn=s.certificate_arn,
    )


def load_balancer_args(
    s: Settings,
    account: Account,
    *,
    network: Network,
    security_groups: SecurityGroups,
    certificate: Certificate,
) -> LoadBalancerArgs:
    """The HTTPS load balancer in the public subnets; targets deregister within the gunicorn timeout."""
    return LoadBalancerArgs(
        vpc_id=network.vpc_id,
        public_subnet_ids=network.public_subnet_ids,
        security_group_id=security_groups.alb_security_group_id,
        certificate_arn=certificate.certificate_arn,
        domain_name=s.domain_name,
        account_id=account.id,
        region=s.region,
        hosted_zone_id=s.hosted_zone_id,
        access_log_retention_days=s.log_retention_days,
        idle_timeout_seconds=s.alb_idle_timeout_seconds,
        deregistration_delay_seconds=sizing.deregistration_delay_seconds(s.gunicorn_timeout_seconds),
        http_to_https_redirect=s.http_to_https_redirect,
        deletion_protection=s.alb_deletion_protection,
    )


def firewall_args(s: Settings, *, load_balancer: LoadBalancer) -> WebFirewallArgs:
    """The web ACL on the load balancer, its metrics named after the stack."""
    return WebFirewallArgs(
        load_balancer_arn=load_balancer.load_balancer_arn,
        metric_prefix=s.resource_prefix,
        rate_limit_per_5_minutes=s.waf_rate_limit_per5_minutes,
    )


def image_args(s: Settings, key: pulumi.Input[str]) -> ImageArgs:
    """The derived image for the settings' architecture and drivers (warehouseDrivers and those of
    the declared connections), with python-ldap for LDAP sign-in, or the given image URI."""
    return ImageArgs(
        kms_key_arn=key,
        cpu_architecture=s.cpu_architecture,
        warehouse_drivers=image_drivers(s.warehouse_connections, s.warehouse_drivers),
        sign_in_extras=("ldap",) if s.auth_type == "ldap" else (),
        image_uri=s.image_uri,
    )


def services_args(
    s: Settings,
    account: Account,
    key: pulumi.Input[str],
    *,
    network: Network,
    security_groups: SecurityGroups,
    secrets: Secrets,
    storage: Storage,
    database: Database,
    cache: Cache,
    load_balancer: LoadBalancer,
    image: Image,
) -> ServicesArgs:
    """Web, worker, beat and migration wired to the data tier, the load balancer and the secrets;
    task families named after the stack, logs under /superset/<stack>; the app role may hold the
    connections the budget leaves the application."""
    return ServicesArgs(
        region=s.region,
        account_id=account.id,
        partition=account.partition,
        environment=s.environment,
        public_url=load_balancer.url,
        image_ref=image.image_ref,
        worker_image_ref=image.worker_image_ref,
        repository_arn=image.repository_arn,
        kms_key_arn=key,
        private_subnet_ids=network.private_subnet_ids,
        security_group_id=security_groups.app_security_group_id,
        vpc_id=network.vpc_id,
        target_group_arn=load_balancer.target_group_arn,
        load_balancer_arn_suffix=load_balancer.load_balancer_arn_suffix,
        target_group_arn_suffix=load_balancer.target_group_arn_suffix,
        database_address=database.address,
        database_port=database.port,
        database_name=database.database_name,
        database_master_user=database.master_username,
        database_master_secret_arn=database.master_user_secret_arn,
        database_resource_id=database.resource_id,
        database_app_connection_limit=s.connection_budget.application_limit,
        database_instance_identifier=database.instance_identifier,
        cache_address=cache.primary_endpoint_address,
        cache_port=cache.port,
        secret_key_arn=secrets.secret_key_arn,
        previous_secret_key_arn=s.previous_secret_key_secret_arn or None,
        admin_password_arn=secrets.admin_password_arn,
        redis_auth_token_arn=secrets.redis_auth_token_arn,
        bucket_name=storage.bucket_name,
        bucket_arn=storage.bucket_arn,
        results_prefix=storage.results_prefix,
        family_prefix=s.resource_prefix,
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
        web_deployment_maximum_percent=s.web_deployment_maximum_percent,
        web_deployment_minimum_healthy_percent=s.web_deployment_minimum_healthy_percent,
        worker_deployment_maximum_percent=s.worker_deployment_maximum_percent,
        worker_deployment_minimum_healthy_percent=s.worker_deployment_minimum_healthy_percent,
        cpu_target_percent=s.autoscaling_cpu_target_percent,
        memory_target_percent=s.autoscaling_memory_target_percent,
        fargate_spot=s.fargate_spot,
        office_hours=s.schedule,
        office_hours_timezone=s.office_hours_timezone,
        superset_version=s.image_uri or superset_version(),
        pre_deploy_snapshot=s.pre_deploy_snapshot,
        pre_deploy_snapshots_to_keep=s.pre_deploy_snapshots_to_keep,
        **warehouse_args(s),
        sign_in_environment=sign_in_environment(s),
        sign_in_secret_arns=sign_in_secret_arns(s),
        reports=report_delivery(s),
        role_boundary_arn=s.role_boundary_arn or None,
    )


def report_delivery(s: Settings) -> ReportDelivery:
    """E-mail, Slack, thumbnails and the cache warm-up as the settings give them."""
    return ReportDelivery(
        smtp_host=s.smtp_host,
        smtp_port=s.smtp_port,
        smtp_security=s.smtp_security,
        smtp_user=s.smtp_user,
        smtp_mail_from=s.smtp_mail_from,
        smtp_password_secret_arn=s.smtp_password_secret_arn or None,
        slack_token_secret_arn=s.slack_token_secret_arn or None,
        thumbnails=s.thumbnails,
        cache_warmup_cron=s.cache_warmup_cron,
        cache_warmup_top_dashboards=s.cache_warmup_top_dashboards,
    )


def warehouse_args(s: Settings) -> dict[str, Any]:
    """The declared connections' share of the services: the migration's declaration and credentials
    (none without connections or removals), the secrets behind them, the Athena grants."""
    connections, removed = s.warehouse_connections, s.removed_warehouse_connections
    if not connections and not removed:
        return {}
    return {
        "warehouse_connections": declaration(connections, removed, region=s.region),
        "warehouse_credentials": credentials(connections),
        "warehouse_secret_arns": secret_arns(connections),
        "athena_access": athena_access(connections, region=s.region),
    }


def observability_args(
    s: Settings,
    account: Account,
    key: pulumi.Input[str],
    *,
    database: Database,
    cache: Cache,
    certificate: Certificate,
    load_balancer: LoadBalancer,
    services: Services,
) -> ObservabilityArgs:
    """Alarms and the dashboard over what the stack runs; the connections alarm at the connection
    budget's limit, metrics in the Superset/<stack> namespace, the web, worker and beat logs searched."""
    return ObservabilityArgs(
        region=s.region,
        account_id=account.id,
        kms_key_arn=key,
        dashboard_name=s.resource_prefix,
        metric_namespace=f"Superset/{s.stack}",
        cluster_name=services.cluster_name,
        web_service_name=services.web_service_name,
        worker_service_name=services.worker_service_name,
        beat_service_name=services.beat_service_name,
        load_balancer_arn_suffix=load_balancer.load_balancer_arn_suffix,
        target_group_arn_suffix=load_balancer.target_group_arn_suffix,
        database_identifier=database.instance_identifier,
        database_storage_gib=s.db_allocated_storage_gib,
        database_connections_alarm=s.connection_budget.limit,
        cache_node_ids=cache.node_ids,
        certificate_arn=certificate.certificate_arn,
        log_group_names=[services.log_group_names[role] for role in ("web", "worker", "beat")],
        alarm_email=s.alarm_email,
        cpu_percent=s.alarm_cpu_percent,
        memory_percent=s.alarm_memory_percent,
    )


def log_queries_args(s: Settings, *, services: Services) -> LogQueriesArgs:
    """The saved queries in the folder superset/<stack>, on the services' log groups."""
    return LogQueriesArgs(folder=f"superset/{s.stack}", log_group_names=services.log_group_names)


def backup_args(
    s: Settings, account: Account, key: pulumi.Input[str], *, database: Database, observability: Observability
) -> BackupArgs:
    """The daily database backup, copied to the backup copy region, and the database's events to the
    alarm topic (with office hours, not its scheduled stop and start)."""
    return BackupArgs(
        kms_key_arn=key,
        database_arn=database.instance_arn,
        database_identifier=database.instance_identifier,
        topic_arn=observability.topic_arn,
        # the stop and start of office hours are expected: they do not page
        quiet_event_ids=SCHEDULED_STOP_AND_START if s.schedule else (),
        retention_days=s.backup_retention_days,
        # a stopped database cannot be backed up: with office hours, back up as the day starts
        schedule=s.schedule.services_start if s.schedule else BACKUP_SCHEDULE,
        schedule_timezone=s.office_hours_timezone if s.schedule else "UTC",
        copy_region=s.backup_copy_region,
        account_id=account.id,
        partition=account.partition,
        tags=s.tags,
        role_boundary_arn=s.role_boundary_arn or None,
    )
