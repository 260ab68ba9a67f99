"""Services: Superset on ECS Fargate, speaking the container environment contract.

Creates:
- an ECS cluster with Container Insights (enhanced) and one KMS-encrypted log group per role;
- two execution roles that may pull this stack's image, write their tasks' log groups, read
  exactly their tasks' secrets and decrypt them with the stack key: one for web, worker and beat,
  one for the migration, the only task that gets the RDS master secret (and the admin password,
  the warehouse declaration and credentials, and the previous SECRET_KEY during a rotation); and
  a separate task role that may touch only the SQL Lab results prefix of the bucket and the
  declared Athena connections' reach (warehouse_grants.py), and connect to the database as the
  app role by IAM (`rds-db:connect` on exactly that database user);
- task definitions for web (gunicorn on 8088), Celery worker, Celery beat and the one-off
  migration (bootstrap), all from one image and one environment through one builder
  (task_definition.py): plain settings in `environment`, every secret through `secrets` valueFrom
  (the RDS-managed secret by its JSON key), read-only root filesystem with writable volumes for
  Superset's home and /tmp, non-root user, container health checks, awslogs. Web, worker and beat
  log in to the database as the app role with IAM tokens; the migration logs in as the master
  user with its password and converges the app role (runtime/app_role.py);
- the web tier's internal address: a private Cloud Map DNS namespace `<family_prefix>.internal`
  in the VPC and a service `web` in it with an A record per running web task (TTL 10 s, ECS keeps
  it current), so the worker's browser reaches gunicorn at http://web.<family_prefix>.internal:8088
  (SUPERSET_INTERNAL_URL; runtime/reports.py treats that host as https);
- services: web behind the target group with circuit-breaker rollback and rolling deployments
  (100/200 by default: capacity never drops); the worker (100/200 by default); beat at exactly one
  task with 0/100 deployments, so a rollout never runs two schedulers; all with ECS managed tags
  propagated from the service;
- the migration run (migration.py), which the services wait for;
- autoscaling of web between min and max on CPU, memory and requests per target;
- with `fargate_spot`, the cluster's Fargate Spot capacity provider and every service on it (the
  migration stays on demand); with `office_hours`, scalable targets for the worker and beat too and
  two scheduled actions per service: to zero at the end of the day, back to its counts at the start.

`Services.__init__` lists these steps in order; each is a function below it. What differs between
the roles is in one place per role: its entry in `_containers` (command, size, secrets, stop
timeout, health check, port) and its service function (`_web_service`, `_worker_service`,
`_beat_service`); what they share is `task_definition()` and `_service_base`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
import pulumi_aws as aws

from superset_stack import sizing
from superset_stack.aws.iam import policy_document, service_role
from superset_stack.aws.migration import MigrationRun, MigrationRunArgs
from superset_stack.aws.task_definition import (
    IMAGE_PYTHON,
    SUPERSET_HOME,
    Container,
    HealthCheck,
    TaskDefinitionArgs,
    task_definition,
)
from superset_stack.aws.warehouse_grants import athena_statements
from superset_stack.contract import APP_DATABASE_USER
from superset_stack.office_hours import OfficeHours
from superset_stack.settings import CONTAINER_PORT
from superset_stack.warehouses import AthenaAccess

# The web service's name in the private DNS namespace (the worker's browser opens it).
WEB_DISCOVERY_NAME = "web"
DISCOVERY_TTL_SECONDS = 10  # a stopped web task leaves the answers within seconds of ECS removing it

ROLES = ("web", "worker", "beat", "migration")
SERVICE_ROLES = ("web", "worker", "beat")  # the long-running tasks; the migration is a one-off
RDS_CA_BUNDLE = "/app/rds-ca.pem"  # baked into the image (runtime/Dockerfile)
# Cached small-chart requests per task per minute that one gunicorn worker sustains with headroom:
# about 25-50 req/s per vCPU measured (performance.md section 6.3); the target stays well below.
REQUESTS_PER_WORKER_PER_MINUTE = 600
BEAT_TASKS = 1  # exactly one scheduler: a second would send every scheduled job twice
BEAT_CPU, BEAT_MEMORY_MIB = 256, 512
# Both run runtime/health.py with the image's interpreter: no curl, no $HOSTNAME (the worker's node
# name is set by the entrypoint, and the check pings that name). Measured on the twin, 5 runs each
# (docs/runtime.md): web 0.07 s CPU and 21 MiB; worker 0.30 s CPU and 39 MiB, where the former
# `celery -A superset... inspect ping` loaded Superset for 5.7 s CPU and 279 MiB. Every 30 s the
# worker check costs 1% of a vCPU, 2% of dev's 0.5-vCPU worker, and an unhealthy worker is
# replaced within about 90 s (3 failures).
WEB_HEALTH_CHECK = HealthCheck(
    command=(IMAGE_PYTHON, "-m", "superset_stack.runtime.health", "web"),
    interval_seconds=15,
    timeout_seconds=5,
    start_period_seconds=60,
)
WORKER_HEALTH_CHECK = HealthCheck(
    command=(IMAGE_PYTHON, "-m", "superset_stack.runtime.health", "worker"),
    interval_seconds=30,
    timeout_seconds=10,
    start_period_seconds=120,
)


@dataclass(frozen=True, kw_only=True)
class ReportDelivery:
    """How alerts and reports leave the worker (settings smtp*, slackTokenSecretArn, thumbnails,
    cacheWarmup*).

    Attributes:
        smtp_host: the relay. Defaults to none: no e-mail (the contract's defaults).
        smtp_port, smtp_security, smtp_user, smtp_mail_from: Default 587, starttls, no login, none.
        smtp_password_secret_arn: secret holding the SMTP password; only the worker gets it.
            Defaults to none.
        slack_token_secret_arn: secret holding a Slack bot token; only the worker gets it.
            Defaults to none.
        thumbnails: chart and dashboard thumbnails. Defaults to off.
        cache_warmup_cron: 5-field cron (UTC) of the dashboard cache warm-up. Defaults to none.
        cache_warmup_top_dashboards: dashboards the warm-up loads. Defaults to 10.
    """

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str = ""
    smtp_mail_from: str = ""
    smtp_password_secret_arn: pulumi.Input[str] | None = None
    slack_token_secret_arn: pulumi.Input[str] | None = None
    thumbnails: bool = False
    cache_warmup_cron: str = ""
    cache_warmup_top_dashboards: int = 10

    def environment(self) -> dict[str, str]:
        """The contract's plain delivery settings (SMTP ones only with a relay)."""
        values = {"SUPERSET_THUMBNAILS": "true" if self.thumbnails else "false"}
        if self.smtp_host:
            values |= {"SMTP_HOST": self.smtp_host, "SMTP_PORT": str(self.smtp_port),
                       "SMTP_SECURITY": self.smtp_security,
                       "SMTP_MAIL_FROM": self.smtp_mail_from}  # fmt: skip
            if self.smtp_user:
                values["SMTP_USER"] = self.smtp_user
        if self.cache_warmup_cron:
            values |= {"CACHE_WARMUP_CRON": self.cache_warmup_cron,
                       "CACHE_WARMUP_TOP_DASHBOARDS": str(self.cache_warmup_top_dashboards)}  # fmt: skip
        return values

    def secrets(self) -> dict[str, pulumi.Input[str]]:
        """The worker's delivery secrets, by contract name."""
        named = {
            "SMTP_PASSWORD": self.smtp_password_secret_arn,
            "SLACK_API_TOKEN": self.slack_token_secret_arn,
        }
        return {name: arn for name, arn in named.items() if arn is not None}


@dataclass(frozen=True, kw_only=True)
class ServicesArgs:
    """Inputs for :class:`Services`. Sizes and counts come from settings; ARNs from the data tier.

    Attributes:
        region, account_id: where the tasks run (log configuration, trust conditions).
        partition: the account's partition (trust conditions, the database user's ARN). Defaults
            to ``aws``.
        environment: SUPERSET_ENV (dev / staging / prod).
        public_url: https URL users open.
        image_ref: digest-pinned image of web, beat and the migration.
        worker_image_ref: digest-pinned image of the worker (with the browser). Defaults to image_ref.
        repository_arn: ECR repository the execution role may pull from; none for an outside image.
        kms_key_arn: the stack key (secrets, logs, bucket objects).
        private_subnet_ids, security_group_id: where the tasks run, and their group.
        vpc_id: the VPC of the web tier's private DNS namespace.
        target_group_arn, load_balancer_arn_suffix, target_group_arn_suffix: the web tier's edge.
        database_address, database_port, database_name: the metadata database.
        database_master_user, database_master_secret_arn: its master user and the RDS-managed
            secret of its password (JSON with a `password` key): the migration's alone.
        database_resource_id: the instance's DbiResourceId, which IAM names its users by.
        database_app_user: the role web, worker and beat log in as by IAM, which the migration
            creates and converges. Defaults to ``superset_app``.
        database_app_connection_limit: connections that role may hold (what the instance class
            leaves the application). Defaults to -1: no limit.
        database_instance_identifier: the RDS instance the migration starts when it finds it
            stopped (office hours), and stops again. Defaults to none: not checked.
        cache_address, cache_port: the replication group's primary endpoint.
        secret_key_arn, admin_password_arn, redis_auth_token_arn: Secrets Manager ARNs.
        previous_secret_key_arn: the old SECRET_KEY during a rotation (the migration re-encrypts), else none.
        bucket_name, bucket_arn, results_prefix: the SQL Lab results location.
        family_prefix: task definition families are `<prefix>-<role>` (account-wide names: unique per stack).
        log_group_prefix: log groups are `<prefix>/<role>`.
        log_retention_days: Defaults to 365.
        cpu_architecture: Defaults to ARM64.
        web_cpu, web_memory_mib, web_min_tasks, web_max_tasks, gunicorn_workers, gunicorn_threads,
            gunicorn_timeout_seconds, gunicorn_keepalive_seconds, health_check_grace_period_seconds:
            the web tier.
        worker_cpu, worker_memory_mib, worker_tasks, celery_concurrency: the Celery worker.
        web_deployment_maximum_percent, web_deployment_minimum_healthy_percent,
            worker_deployment_maximum_percent, worker_deployment_minimum_healthy_percent: how
            many tasks a rolling deployment may run at most and must keep healthy, in percent of
            the running count. Default 200 and 100: new tasks start beside the old ones.
        cpu_target_percent, memory_target_percent: autoscaling targets. Default 60 and 70.
        fargate_spot: run the services on Fargate Spot (X86_64 only). Defaults to on demand.
        office_hours, office_hours_timezone: scale every service to zero outside these hours (an
            IANA zone). Defaults to always on.
        superset_version, pre_deploy_snapshot, pre_deploy_snapshots_to_keep: the migration run's
            snapshot before a Superset version change (aws/migration.py). Defaults to none.
        warehouse_connections: WAREHOUSE_CONNECTIONS, the declaration the migration applies (JSON
            without secrets). Defaults to none.
        warehouse_credentials: credential variable -> valueFrom, for the migration task only;
            warehouse_secret_arns: the secrets behind them, which the execution role may read.
            Default to none.
        athena_access: what the task role may reach for each Athena connection. Defaults to none.
        sign_in_environment: the contract's AUTH_/OIDC_/LDAP_ plain values, for every container
            (aws/sign_in.py). Defaults to none: database sign-in.
        sign_in_secret_arns: contract name -> Secrets Manager ARN of the sign-in secret (OIDC client
            secret, LDAP bind password), for the web tasks only. Defaults to none.
        reports: how alerts and reports are delivered. Defaults to no e-mail, no Slack.
        role_boundary_arn: permissions boundary (managed policy ARN) of the execution and task
            roles. Defaults to none.
    """

    region: str
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str] = "aws"
    environment: str
    public_url: str
    image_ref: pulumi.Input[str]
    worker_image_ref: pulumi.Input[str] | None = None
    repository_arn: pulumi.Input[str] | None
    kms_key_arn: pulumi.Input[str]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    target_group_arn: pulumi.Input[str]
    load_balancer_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    database_address: pulumi.Input[str]
    database_port: int
    database_name: str
    database_master_user: str
    database_master_secret_arn: pulumi.Input[str]
    database_resource_id: pulumi.Input[str]
    database_instance_identifier: pulumi.Input[str] | None
    cache_address: pulumi.Input[str]
    cache_port: int
    secret_key_arn: pulumi.Input[str]
    previous_secret_key_arn: pulumi.Input[str] | None
    admin_password_arn: pulumi.Input[str]
    redis_auth_token_arn: pulumi.Input[str]
    bucket_name: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    results_prefix: str
    family_prefix: str
    log_group_prefix: str
    database_app_user: str = APP_DATABASE_USER
    database_app_connection_limit: int = -1
    log_retention_days: int = 365
    cpu_architecture: str = "ARM64"
    web_cpu: int = 1024
    web_memory_mib: int = 2048
    web_min_tasks: int = 2
    web_max_tasks: int = 4
    gunicorn_workers: int = 2
    gunicorn_threads: int = 8
    gunicorn_timeout_seconds: int = 60
    gunicorn_keepalive_seconds: int = 75
    health_check_grace_period_seconds: int = 180
    worker_cpu: int = 1024
    worker_memory_mib: int = 2048
    worker_tasks: int = 1
    celery_concurrency: int = 4
    web_deployment_maximum_percent: int = 200
    web_deployment_minimum_healthy_percent: int = 100
    worker_deployment_maximum_percent: int = 200
    worker_deployment_minimum_healthy_percent: int = 100
    cpu_target_percent: int = 60
    memory_target_percent: int = 70
    fargate_spot: bool = False
    office_hours: OfficeHours | None = None
    office_hours_timezone: str = "UTC"
    superset_version: str = ""
    pre_deploy_snapshot: bool = False
    pre_deploy_snapshots_to_keep: int = 3
    warehouse_connections: str = ""
    warehouse_credentials: Mapping[str, str] = field(default_factory=dict)
    warehouse_secret_arns: Sequence[str] = ()
    athena_access: Sequence[AthenaAccess] = ()
    sign_in_environment: Mapping[str, str] = field(default_factory=dict)
    sign_in_secret_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    reports: ReportDelivery = ReportDelivery()
    role_boundary_arn: str | None = None


def internal_namespace(args: ServicesArgs) -> str:
    """The private DNS namespace of the web tier, e.g. superset-prod.internal."""
    return f"{args.family_prefix}.internal"


def internal_url(args: ServicesArgs) -> str:
    """Where the worker reaches gunicorn inside the VPC: the web service's Cloud Map name."""
    return f"http://{WEB_DISCOVERY_NAME}.{internal_namespace(args)}:{CONTAINER_PORT}"


def container_environment(args: ServicesArgs) -> dict[str, pulumi.Input[str]]:
    """The contract's plain settings every Superset container shares (no secrets here); who logs
    in to the database, and how, is each role's (`role_environment`)."""
    return {
        "SUPERSET_ENV": args.environment,
        "SUPERSET_PUBLIC_URL": args.public_url,
        "DATABASE_HOST": args.database_address,
        "DATABASE_PORT": str(args.database_port),
        "DATABASE_DB": args.database_name,
        "DATABASE_SSLMODE": "verify-full",
        "DATABASE_SSLROOTCERT": RDS_CA_BUNDLE,
        "REDIS_HOST": args.cache_address,
        "REDIS_PORT": str(args.cache_port),
        "REDIS_TLS": "true",
        "SERVER_WORKER_AMOUNT": str(args.gunicorn_workers),
        "SERVER_THREADS_AMOUNT": str(args.gunicorn_threads),
        "GUNICORN_TIMEOUT": str(args.gunicorn_timeout_seconds),
        "GUNICORN_KEEPALIVE": str(args.gunicorn_keepalive_seconds),
        "SUPERSET_PORT": str(CONTAINER_PORT),
        "CELERY_CONCURRENCY": str(args.celery_concurrency),
        "SUPERSET_HOME": SUPERSET_HOME,
        "RESULTS_S3_BUCKET": args.bucket_name,
        "RESULTS_S3_PREFIX": args.results_prefix,
        "SUPERSET_INTERNAL_URL": internal_url(args),
        **args.reports.environment(),
        **args.sign_in_environment,
    }


def role_environment(args: ServicesArgs, role: str) -> dict[str, pulumi.Input[str]]:
    """What only `role` gets in `environment`: web, worker and beat log in to the database as the
    app role with an IAM token per connection; the migration as the master user with its password,
    converging the app role, and it gets the warehouse declaration it applies."""
    if role != "migration":
        return {
            "DATABASE_USER": args.database_app_user,
            "DATABASE_AUTH": "iam",
            "DATABASE_REGION": args.region,
        }
    environment: dict[str, pulumi.Input[str]] = {
        "DATABASE_USER": args.database_master_user,
        "DATABASE_AUTH": "password",
        "DATABASE_APP_USER": args.database_app_user,
        "DATABASE_APP_CONNECTION_LIMIT": str(args.database_app_connection_limit),
    }
    if args.warehouse_connections:
        environment["WAREHOUSE_CONNECTIONS"] = args.warehouse_connections
    return environment


def _secret_sources(args: ServicesArgs, role: str) -> dict[str, tuple[pulumi.Input[str], str]]:
    """Variable -> (Secrets Manager ARN, JSON key or "") of the stack's secrets `role` gets: the
    master password, the admin password and the previous key only in the migration, the sign-in
    secrets only in web (which signs people in), the SMTP password and the Slack token only in the
    worker (which sends alerts and reports)."""
    sources: dict[str, tuple[pulumi.Input[str], str]] = {}
    if role == "migration":
        # RDS keeps {"username": ..., "password": ...}; ECS injects one JSON key (platform >= 1.4).
        sources["DATABASE_PASSWORD"] = (args.database_master_secret_arn, "password")
    sources["SUPERSET_SECRET_KEY"] = (args.secret_key_arn, "")
    sources["REDIS_AUTH_TOKEN"] = (args.redis_auth_token_arn, "")
    if role == "migration":
        sources["SUPERSET_ADMIN_PASSWORD"] = (args.admin_password_arn, "")
        if args.previous_secret_key_arn is not None:
            sources["SUPERSET_PREVIOUS_SECRET_KEY"] = (args.previous_secret_key_arn, "")
    if role == "web":
        sources.update({variable: (arn, "") for variable, arn in args.sign_in_secret_arns.items()})
    if role == "worker":
        sources.update({variable: (arn, "") for variable, arn in args.reports.secrets().items()})
    return sources


def container_secrets(args: ServicesArgs, role: str) -> dict[str, pulumi.Input[str]]:
    """The contract's secrets `role` gets, as ECS `secrets` valueFrom ARNs (`<arn>:<key>::` for one
    JSON key); the warehouse credentials only in the migration."""
    secrets: dict[str, pulumi.Input[str]] = {
        variable: pulumi.Output.concat(arn, f":{key}::") if key else arn
        for variable, (arn, key) in _secret_sources(args, role).items()
    }
    if role == "migration":
        secrets.update(args.warehouse_credentials)
    return secrets


class Services(pulumi.ComponentResource):
    """The ECS cluster, task definitions and services of Superset."""

    cluster_name: pulumi.Output[str]
    web_service_name: pulumi.Output[str]
    worker_service_name: pulumi.Output[str]
    beat_service_name: pulumi.Output[str]
    migration_task_definition_arn: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]
    migration_execution_role_arn: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    log_group_names: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: ServicesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:service:Services", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)

        cluster = aws.ecs.Cluster(
            name, settings=[{"name": "containerInsights", "value": "enhanced"}], opts=child
        )
        capacity = _fargate_spot_capacity(name, args, cluster, opts=child)
        log_groups = _log_groups(name, args, opts=child)
        # pulling and starting (execution) is separate from what the app may do (task); only the
        # migration's execution role may read the master secret
        execution_role, execution_policy = _execution_role(
            f"{name}-execution", args, log_groups, SERVICE_ROLES, opts=child
        )
        migration_execution_role, migration_execution_policy = _execution_role(
            f"{name}-migration-execution", args, log_groups, ("migration",), opts=child
        )
        task_role, task_policy = _task_role(name, args, opts=child)
        execution_roles = {
            **dict.fromkeys(SERVICE_ROLES, execution_role),
            "migration": migration_execution_role,
        }
        # a task reads its secrets as it starts (the migration at once): its roles' policies first
        policies = [execution_policy, migration_execution_policy, task_policy]
        task_definitions = _task_definitions(
            name, args, log_groups, execution_roles=execution_roles, task_role=task_role,
            opts=pulumi.ResourceOptions(parent=self, depends_on=policies),
        )  # fmt: skip
        migration = _migration_run(name, args, cluster, task_definitions["migration"], log_groups, opts=child)
        discovery = _internal_address(name, args, opts=child)

        # the migration runs to completion before any service changes
        base = _service_base(args, cluster, after=[migration, *capacity], parent=self)
        web = _web_service(name, args, task_definitions["web"], base, discovery)
        worker = _worker_service(name, args, task_definitions["worker"], base)
        beat = _beat_service(name, args, task_definitions["beat"], base)
        web_target = _web_autoscaling(name, args, cluster, web, parent=self)
        if args.office_hours is not None:
            targets = _office_hours_targets(
                name, args, cluster, web_target, worker=worker, beat=beat, parent=self
            )
            _office_hours_schedule(name, args, args.office_hours, targets, parent=self)

        self.cluster_name = cluster.name
        self.web_service_name = web.name
        self.worker_service_name = worker.name
        self.beat_service_name = beat.name
        self.migration_task_definition_arn = task_definitions["migration"].arn
        self.execution_role_arn = execution_role.arn
        self.migration_execution_role_arn = migration_execution_role.arn
        self.task_role_arn = task_role.arn
        self.log_group_names = {role: group.name for role, group in log_groups.items()}
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "web_service_name": self.web_service_name,
                "worker_service_name": self.worker_service_name,
                "beat_service_name": self.beat_service_name,
                "migration_task_definition_arn": self.migration_task_definition_arn,
                "execution_role_arn": self.execution_role_arn,
                "migration_execution_role_arn": self.migration_execution_role_arn,
                "task_role_arn": self.task_role_arn,
                "log_group_names": self.log_group_names,
            }
        )


def _validate(args: ServicesArgs) -> None:
    """Raise ValueError for a task size Fargate does not offer, web counts out of order, Spot on ARM,
    or deployment percents with which ECS could not replace a task."""
    for prefix, cpu, memory in (
        ("web", args.web_cpu, args.web_memory_mib),
        ("worker", args.worker_cpu, args.worker_memory_mib),
    ):
        error = sizing.fargate_size_error(cpu, memory)
        if error:
            raise ValueError(f"{prefix}: {error}")
    if not 1 <= args.web_min_tasks <= args.web_max_tasks:
        raise ValueError(
            f"need 1 <= web_min_tasks <= web_max_tasks, got {args.web_min_tasks}, {args.web_max_tasks}"
        )
    if args.fargate_spot and args.cpu_architecture != "X86_64":
        raise ValueError(f"Fargate Spot runs only X86_64 tasks, got cpu_architecture {args.cpu_architecture}")
    for role, tasks, minimum, maximum in (
        ("web", args.web_min_tasks,
         args.web_deployment_minimum_healthy_percent, args.web_deployment_maximum_percent),
        ("worker", args.worker_tasks,
         args.worker_deployment_minimum_healthy_percent, args.worker_deployment_maximum_percent),
    ):  # fmt: skip
        if not (0 <= minimum <= 100 <= maximum <= 200 and sizing.rollout_progresses(tasks, maximum, minimum)):
            raise ValueError(
                f"{role}: a rolling deployment at {minimum}/{maximum} percent of {tasks} tasks "
                "could replace none of them"
            )


def _fargate_spot_capacity(
    name: str, args: ServicesArgs, cluster: aws.ecs.Cluster, *, opts: pulumi.ResourceOptions
) -> list[pulumi.Resource]:
    """With `fargate_spot`, the cluster's capacity providers: FARGATE_SPOT available, FARGATE the
    default. A service created before them would fail, so the services wait for what this returns."""
    if not args.fargate_spot:
        return []
    return [
        aws.ecs.ClusterCapacityProviders(
            name,
            cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[{"capacity_provider": "FARGATE", "weight": 1}],
            opts=opts,
        )
    ]


def _log_groups(
    name: str, args: ServicesArgs, *, opts: pulumi.ResourceOptions
) -> dict[str, aws.cloudwatch.LogGroup]:
    """One KMS-encrypted log group `<log_group_prefix>/<role>` per role, kept `log_retention_days`."""
    return {
        role: aws.cloudwatch.LogGroup(
            f"{name}-{role}",
            name=f"{args.log_group_prefix}/{role}",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=opts,
        )
        for role in ROLES
    }


# --- IAM: the execution role (ECS starting a task) and the task role (Superset itself) ------------


def _ecs_tasks_role(
    name: str,
    description: str,
    args: ServicesArgs,
    statements: list[dict[str, Any]],
    *,
    opts: pulumi.ResourceOptions,
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """A role only this account's ECS tasks in this region may assume (ECS cannot name a cluster in
    aws:SourceArn), and `statements` as its inline policy: both."""
    tasks = pulumi.Output.format("arn:{0}:ecs:{1}:{2}:*", args.partition, args.region, args.account_id)
    role = service_role(
        name,
        service="ecs-tasks.amazonaws.com",
        description=description,
        account_id=args.account_id,
        source_arn=tasks,
        permissions_boundary=args.role_boundary_arn,
        opts=opts,
    )
    policy = aws.iam.RolePolicy(name, role=role.id, policy=policy_document(statements), opts=opts)
    return role, policy


def _execution_role(
    name: str,
    args: ServicesArgs,
    log_groups: Mapping[str, aws.cloudwatch.LogGroup],
    roles: Sequence[str],
    *,
    opts: pulumi.ResourceOptions,
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """Role `name` that starts the tasks of `roles`: write their log groups, read exactly their
    secrets (container_secrets) and decrypt them with the stack key through Secrets Manager only,
    and, for an image from the stack's repository, pull it (ECR decrypts the stack-key-encrypted
    layers under its own grant)."""
    readable: dict[str, pulumi.Input[str]] = {}  # by variable: the services share theirs
    for role in roles:
        readable |= {variable: arn for variable, (arn, _key) in _secret_sources(args, role).items()}
    secret_arns = list(readable.values())
    if "migration" in roles:
        secret_arns += args.warehouse_secret_arns
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteTaskLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [pulumi.Output.concat(log_groups[role].arn, ":*") for role in roles],
        },
        {
            "Sid": "ReadTheNamedSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": secret_arns,
        },
        {
            "Sid": "DecryptTheSecretsThroughSecretsManager",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": args.kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{args.region}.amazonaws.com"}},
        },
    ]
    if args.repository_arn is not None:
        statements += [
            # GetAuthorizationToken cannot be scoped to a repository (an AWS limitation).
            {
                "Sid": "LogInToEcr",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*",
            },
            {
                "Sid": "PullTheImage",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                ],
                "Resource": args.repository_arn,
            },
        ]
    tasks = " and ".join([", ".join(roles[:-1]), roles[-1]] if len(roles) > 1 else roles)
    description = f"ECS pulls Superset and injects the secrets of its {tasks} task{'s' * (len(roles) > 1)}"
    return _ecs_tasks_role(name, description, args, statements, opts=opts)


def _task_role(
    name: str, args: ServicesArgs, *, opts: pulumi.ResourceOptions
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """`<name>-task`: objects under the SQL Lab results prefix of the bucket, listing only that
    prefix, the stack key only through S3 (the bucket's encryption), the declared Athena
    connections' workgroups, catalog, results and data (warehouse_grants.py), and IAM database
    authentication as the app role on this instance, as no other user."""
    results = pulumi.Output.concat(args.bucket_arn, "/", args.results_prefix, "*")
    database_user = pulumi.Output.concat(
        "arn:", args.partition, ":rds-db:", args.region, ":", args.account_id, ":dbuser:",
        args.database_resource_id, "/", args.database_app_user,
    )  # fmt: skip
    statements: list[dict[str, Any]] = [
        {
            "Sid": "SqlLabResults",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": results,
        },
        {
            "Sid": "ListOnlyTheResultsPrefix",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": args.bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{args.results_prefix}*"]}},
        },
        {
            "Sid": "BucketKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": args.kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{args.region}.amazonaws.com"}},
        },
        {
            "Sid": "ConnectAsTheAppRole",
            "Effect": "Allow",
            "Action": "rds-db:connect",
            "Resource": database_user,
        },
        *athena_statements(args.athena_access, partition=args.partition, account_id=args.account_id),
    ]
    return _ecs_tasks_role(f"{name}-task", "What Superset itself may do in AWS", args, statements, opts=opts)


# --- task definitions: one shared builder, one table entry per role ------------------------------


def _containers(args: ServicesArgs) -> list[Container]:
    """What differs between the four task definitions: the entrypoint's command, the size, the
    database login, the secrets, the stop timeout, the health check and the port."""
    return [
        Container(
            name="web",
            command="web",
            cpu=args.web_cpu,
            memory_mib=args.web_memory_mib,
            environment=role_environment(args, "web"),
            secrets=container_secrets(args, "web"),
            health_check=WEB_HEALTH_CHECK,
            port=CONTAINER_PORT,
        ),
        Container(
            name="worker",
            command="worker",
            cpu=args.worker_cpu,
            memory_mib=args.worker_memory_mib,
            environment=role_environment(args, "worker"),
            secrets=container_secrets(args, "worker"),
            image=args.worker_image_ref,  # with the browser for report screenshots
            # a stopping worker finishes its running tasks (docs/failure-behaviour.md)
            stop_timeout_seconds=sizing.WORKER_STOP_TIMEOUT_SECONDS,
            health_check=WORKER_HEALTH_CHECK,
        ),
        Container(
            name="beat",
            command="beat",
            cpu=BEAT_CPU,
            memory_mib=BEAT_MEMORY_MIB,
            environment=role_environment(args, "beat"),
            secrets=container_secrets(args, "beat"),
        ),
        Container(
            name="migration",
            command="bootstrap",
            cpu=args.web_cpu,
            memory_mib=args.web_memory_mib,
            environment=role_environment(args, "migration"),
            secrets=container_secrets(args, "migration"),
        ),
    ]


def _task_definitions(
    name: str,
    args: ServicesArgs,
    log_groups: Mapping[str, aws.cloudwatch.LogGroup],
    *,
    execution_roles: Mapping[str, aws.iam.Role],
    task_role: aws.iam.Role,
    opts: pulumi.ResourceOptions,
) -> dict[str, aws.ecs.TaskDefinition]:
    """Task definition `<name>-<role>` of each role, from one image and one environment, started
    by its role's execution role."""
    shared = TaskDefinitionArgs(
        family_prefix=args.family_prefix,
        image=args.image_ref,
        environment=container_environment(args),
        log_group_names={role: group.name for role, group in log_groups.items()},
        region=args.region,
        cpu_architecture=args.cpu_architecture,
        execution_role_arn=execution_roles["web"].arn,
        task_role_arn=task_role.arn,
    )
    return {
        container.name: task_definition(
            f"{name}-{container.name}",
            container,
            replace(shared, execution_role_arn=execution_roles[container.name].arn),
            opts,
        )
        for container in _containers(args)
    }


def _migration_run(
    name: str,
    args: ServicesArgs,
    cluster: aws.ecs.Cluster,
    task_definition: aws.ecs.TaskDefinition,
    log_groups: Mapping[str, aws.cloudwatch.LogGroup],
    *,
    opts: pulumi.ResourceOptions,
) -> MigrationRun:
    """`<name>-migration`: the migration task run to a clean exit (migration.py), in the services'
    subnets and group; a stopped database (office hours) is started for it and stopped again, and
    snapshotted first when the Superset version changes (if asked)."""
    return MigrationRun(
        f"{name}-migration",
        MigrationRunArgs(
            region=args.region,
            cluster_arn=cluster.arn,
            task_definition_arn=task_definition.arn,
            subnet_ids=args.private_subnet_ids,
            security_group_ids=[args.security_group_id],
            log_group=log_groups["migration"].name,
            database_instance_identifier=args.database_instance_identifier,
            superset_version=args.superset_version,
            pre_deploy_snapshot=args.pre_deploy_snapshot,
            pre_deploy_snapshots_to_keep=args.pre_deploy_snapshots_to_keep,
        ),
        opts=opts,
    )


def _internal_address(
    name: str, args: ServicesArgs, *, opts: pulumi.ResourceOptions
) -> aws.servicediscovery.Service:
    """`<name>-internal`: the private DNS namespace `<family_prefix>.internal` in the VPC, and
    `<name>-web`: its service `web`, one A record per running web task (multivalue, TTL 10 s), kept
    by ECS from the tasks' health. Cloud Map's DNS rather than Service Connect: the only client is
    the worker's browser, and Service Connect would add an Envoy sidecar to every web and worker task."""
    namespace = aws.servicediscovery.PrivateDnsNamespace(
        f"{name}-internal",
        name=internal_namespace(args),
        vpc=args.vpc_id,
        description="Superset's internal names (the worker reaches the web tier here)",
        opts=opts,
    )
    return aws.servicediscovery.Service(
        f"{name}-web",
        name=WEB_DISCOVERY_NAME,
        dns_config={
            "namespace_id": namespace.id,
            "dns_records": [{"type": "A", "ttl": DISCOVERY_TTL_SECONDS}],
            "routing_policy": "MULTIVALUE",
        },
        health_check_custom_config={},
        opts=opts,
    )


# --- services: what they share, then one function per role --------------------------------------


@dataclass(frozen=True, kw_only=True)
class _ServiceBase:
    """What the services share: their inputs (cluster, capacity, network, tags, rollback), their
    parent and what they wait for (the migration run and the Spot capacity providers)."""

    inputs: Mapping[str, Any]
    parent: pulumi.Resource
    after: Sequence[pulumi.Resource]

    def service(
        self,
        name: str,
        task_definition: aws.ecs.TaskDefinition,
        *,
        desired_count: int,
        minimum_healthy_percent: int,
        maximum_percent: int,
        ignore_desired_count: bool,
        **role_inputs: Any,
    ) -> aws.ecs.Service:
        """An ECS service `name` of `task_definition`; `ignore_desired_count` when a scalable target,
        not the next `pulumi up`, owns the running count; `role_inputs` are further Service inputs."""
        return aws.ecs.Service(
            name,
            task_definition=task_definition.arn,
            desired_count=desired_count,
            deployment_minimum_healthy_percent=minimum_healthy_percent,
            deployment_maximum_percent=maximum_percent,
            opts=pulumi.ResourceOptions(
                parent=self.parent,
                depends_on=list(self.after),
                ignore_changes=["desiredCount"] if ignore_desired_count else [],
            ),
            **role_inputs,
            **self.inputs,
        )


def _service_base(
    args: ServicesArgs, cluster: aws.ecs.Cluster, *, after: Sequence[pulumi.Resource], parent: pulumi.Resource
) -> _ServiceBase:
    """Fargate (or Fargate Spot) on the latest platform, in the private subnets without public IPs,
    ECS managed tags propagated from the service, no ECS Exec, circuit breaker with rollback, and a
    deployment that waits for steady state."""
    placement: dict[str, Any] = (
        {"capacity_provider_strategies": [{"capacity_provider": "FARGATE_SPOT", "weight": 1}]}
        if args.fargate_spot
        else {"launch_type": "FARGATE"}
    )
    inputs: dict[str, Any] = {
        **placement,
        "cluster": cluster.arn,
        "platform_version": "LATEST",
        "network_configuration": {
            "subnets": list(args.private_subnet_ids),
            "security_groups": [args.security_group_id],
            "assign_public_ip": False,
        },
        "enable_ecs_managed_tags": True,
        "propagate_tags": "SERVICE",
        "enable_execute_command": False,
        "wait_for_steady_state": True,
        "deployment_circuit_breaker": {"enable": True, "rollback": True},
    }
    return _ServiceBase(inputs=inputs, parent=parent, after=after)


def _web_service(
    name: str,
    args: ServicesArgs,
    task_definition: aws.ecs.TaskDefinition,
    base: _ServiceBase,
    discovery: aws.servicediscovery.Service,
) -> aws.ecs.Service:
    """`<name>-web` behind the target group and registered in the private DNS namespace,
    `web_min_tasks` at first; rolling within the web deployment percents (100/200 by default, so
    capacity never drops). Autoscaling owns the running count after creation."""
    return base.service(
        f"{name}-web",
        task_definition,
        desired_count=args.web_min_tasks,
        minimum_healthy_percent=args.web_deployment_minimum_healthy_percent,
        maximum_percent=args.web_deployment_maximum_percent,
        ignore_desired_count=True,
        load_balancers=[
            {
                "target_group_arn": args.target_group_arn,
                "container_name": "web",
                "container_port": CONTAINER_PORT,
            }
        ],
        health_check_grace_period_seconds=args.health_check_grace_period_seconds,
        service_registries={"registry_arn": discovery.arn},
    )


def _worker_service(
    name: str, args: ServicesArgs, task_definition: aws.ecs.TaskDefinition, base: _ServiceBase
) -> aws.ecs.Service:
    """`<name>-worker`: `worker_tasks` Celery workers, rolling within the worker deployment percents
    (100/200 by default)."""
    return base.service(
        f"{name}-worker",
        task_definition,
        desired_count=args.worker_tasks,
        minimum_healthy_percent=args.worker_deployment_minimum_healthy_percent,
        maximum_percent=args.worker_deployment_maximum_percent,
        ignore_desired_count=args.office_hours is not None,  # the schedule owns the count
    )


def _beat_service(
    name: str, args: ServicesArgs, task_definition: aws.ecs.TaskDefinition, base: _ServiceBase
) -> aws.ecs.Service:
    """`<name>-beat`: exactly one Celery beat. A deployment stops the old scheduler before it starts
    the new one (0/100): never two beats at once."""
    return base.service(
        f"{name}-beat",
        task_definition,
        desired_count=BEAT_TASKS,
        minimum_healthy_percent=0,
        maximum_percent=100,
        ignore_desired_count=args.office_hours is not None,  # the schedule owns the count
    )


# --- autoscaling and office hours ----------------------------------------------------------------


def _scalable_target(
    name: str,
    cluster: aws.ecs.Cluster,
    service: aws.ecs.Service,
    *,
    min_tasks: int,
    max_tasks: int,
    opts: pulumi.ResourceOptions,
) -> aws.appautoscaling.Target:
    """The running count of `service` as an Application Auto Scaling target, min_tasks to max_tasks."""
    return aws.appautoscaling.Target(
        name,
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.concat("service/", cluster.name, "/", service.name),
        min_capacity=min_tasks,
        max_capacity=max_tasks,
        opts=opts,
    )


def _web_autoscaling(
    name: str, args: ServicesArgs, cluster: aws.ecs.Cluster, web: aws.ecs.Service, *, parent: pulumi.Resource
) -> aws.appautoscaling.Target:
    """Web between web_min_tasks and web_max_tasks: target `<name>-web` and target-tracking policies
    `<name>-web-cpu`, `-memory` and `-requests` (ALB requests per target, per gunicorn worker)."""
    target = _scalable_target(
        f"{name}-web",
        cluster,
        web,
        min_tasks=args.web_min_tasks,
        max_tasks=args.web_max_tasks,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    scaling: dict[str, tuple[str, float, pulumi.Input[str] | None]] = {
        "cpu": ("ECSServiceAverageCPUUtilization", args.cpu_target_percent, None),
        "memory": ("ECSServiceAverageMemoryUtilization", args.memory_target_percent, None),
        "requests": (
            "ALBRequestCountPerTarget",
            REQUESTS_PER_WORKER_PER_MINUTE * args.gunicorn_workers,
            pulumi.Output.concat(args.load_balancer_arn_suffix, "/", args.target_group_arn_suffix),
        ),
    }
    for metric, (metric_type, value, label) in scaling.items():
        specification: dict[str, Any] = {"predefined_metric_type": metric_type}
        if label is not None:
            specification["resource_label"] = label
        aws.appautoscaling.Policy(
            f"{name}-web-{metric}",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration={
                "target_value": float(value),
                "predefined_metric_specification": specification,
                "scale_in_cooldown": 300,
                "scale_out_cooldown": 60,
            },
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[target]),
        )
    return target


def _office_hours_targets(
    name: str,
    args: ServicesArgs,
    cluster: aws.ecs.Cluster,
    web_target: aws.appautoscaling.Target,
    *,
    worker: aws.ecs.Service,
    beat: aws.ecs.Service,
    parent: pulumi.Resource,
) -> dict[str, tuple[aws.appautoscaling.Target, int, int]]:
    """Role -> (scalable target, min, max tasks in office hours): web's autoscaling target, and new
    targets `<name>-worker` and `<name>-beat` fixed at their counts."""
    targets = {"web": (web_target, args.web_min_tasks, args.web_max_tasks)}
    for role, service, count in (("worker", worker, args.worker_tasks), ("beat", beat, BEAT_TASKS)):
        target = _scalable_target(
            f"{name}-{role}",
            cluster,
            service,
            min_tasks=count,
            max_tasks=count,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        targets[role] = (target, count, count)
    return targets


def _office_hours_schedule(
    name: str,
    args: ServicesArgs,
    hours: OfficeHours,
    targets: Mapping[str, tuple[aws.appautoscaling.Target, int, int]],
    *,
    parent: pulumi.Resource,
) -> None:
    """Scheduled actions `<name>-<role>-start` (back to the office-hours counts) and
    `<name>-<role>-stop` (to zero) for every service, in `office_hours_timezone`."""
    for role, (target, low, high) in targets.items():
        for moment, expression, (floor, ceiling) in (
            ("start", hours.services_start, (low, high)),
            ("stop", hours.services_stop, (0, 0)),
        ):
            aws.appautoscaling.ScheduledAction(
                f"{name}-{role}-{moment}",
                name=f"{args.family_prefix}-{role}-{moment}",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                schedule=expression,
                timezone=args.office_hours_timezone,
                scalable_target_action={"min_capacity": floor, "max_capacity": ceiling},
                opts=pulumi.ResourceOptions(parent=parent, depends_on=[target]),
            )
