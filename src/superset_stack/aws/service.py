"""Services: Superset on ECS Fargate, speaking the container environment contract.

Creates:
- an ECS cluster with Container Insights (enhanced) and one KMS-encrypted log group per role;
- an execution role that may pull this stack's image, write these log groups, read exactly the
  named secrets and decrypt them with the stack key, and a separate task role that may touch only
  the SQL Lab results prefix of the bucket;
- task definitions for web (gunicorn on 8088), Celery worker, Celery beat and the one-off
  migration (bootstrap), all from one image and one environment through one builder
  (task_definition.py): plain settings in `environment`, every secret through `secrets` valueFrom
  (the RDS-managed secret by its JSON key), read-only root filesystem with writable volumes for
  Superset's home and /tmp, non-root user, container health checks, awslogs;
- services: web behind the target group with circuit-breaker rollback and 100/200 rolling
  deployments; the worker; beat at exactly one task with 0/100 deployments, so a rollout never
  runs two schedulers; all with ECS managed tags propagated from the service;
- the migration run (migration.py), which the services wait for;
- autoscaling of web between min and max on CPU, memory and requests per target;
- with `fargate_spot`, the cluster's Fargate Spot capacity provider and every service on it (the
  migration stays on demand); with `office_hours`, scalable targets for the worker and beat too and
  two scheduled actions per service: to zero at the end of the day, back to its counts at the start.

"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from superset_stack import sizing
from superset_stack.aws.iam import policy_document, service_trust
from superset_stack.aws.migration import MigrationRun, MigrationRunArgs
from superset_stack.aws.task_definition import (
    SUPERSET_HOME,
    Container,
    HealthCheck,
    TaskDefinitionArgs,
    task_definition,
)
from superset_stack.office_hours import OfficeHours
from superset_stack.settings import CONTAINER_PORT

ROLES = ("web", "worker", "beat", "migration")
RDS_CA_BUNDLE = "/app/rds-ca.pem"  # baked into the image (runtime/Dockerfile)
# Cached small-chart requests per task per minute that one gunicorn worker sustains with headroom:
# about 25-50 req/s per vCPU measured (performance.md section 6.3); the target stays well below.
REQUESTS_PER_WORKER_PER_MINUTE = 600
BEAT_TASKS = 1  # exactly one scheduler: a second would send every scheduled job twice
BEAT_CPU, BEAT_MEMORY_MIB = 256, 512
WEB_HEALTH_CHECK = HealthCheck(
    command=f"curl -fsS http://127.0.0.1:{CONTAINER_PORT}/health || exit 1",
    interval_seconds=15,
    timeout_seconds=5,
    start_period_seconds=60,
)
WORKER_HEALTH_CHECK = HealthCheck(
    command="celery -A superset.tasks.celery_app:app inspect ping -d celery@$HOSTNAME",
    interval_seconds=60,
    timeout_seconds=30,
    start_period_seconds=120,
)


@dataclass(frozen=True, kw_only=True)
class ServicesArgs:
    """Inputs for :class:`Services`. Sizes and counts come from settings; ARNs from the data tier.

    Attributes:
        region, account_id: where the tasks run (log configuration, trust conditions).
        environment: SUPERSET_ENV (dev / staging / prod).
        public_url: https URL users open.
        image_ref: digest-pinned image.
        repository_arn: ECR repository the execution role may pull from; none for an outside image.
        kms_key_arn: the stack key (secrets, logs, bucket objects).
        private_subnet_ids, security_group_id: where the tasks run, and their group.
        target_group_arn, load_balancer_arn_suffix, target_group_arn_suffix: the web tier's edge.
        database_address, database_port, database_name, database_user, database_secret_arn: the
            metadata database and its RDS-managed secret (JSON with a `password` key).
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
        cpu_target_percent, memory_target_percent: autoscaling targets. Default 60 and 70.
        fargate_spot: run the services on Fargate Spot (X86_64 only). Defaults to on demand.
        office_hours, office_hours_timezone: scale every service to zero outside these hours (an
            IANA zone). Defaults to always on.
    """

    region: str
    account_id: pulumi.Input[str]
    environment: str
    public_url: str
    image_ref: pulumi.Input[str]
    repository_arn: pulumi.Input[str] | None
    kms_key_arn: pulumi.Input[str]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    target_group_arn: pulumi.Input[str]
    load_balancer_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    database_address: pulumi.Input[str]
    database_port: int
    database_name: str
    database_user: str
    database_secret_arn: pulumi.Input[str]
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
    cpu_target_percent: int = 60
    memory_target_percent: int = 70
    fargate_spot: bool = False
    office_hours: OfficeHours | None = None
    office_hours_timezone: str = "UTC"


def container_environment(args: ServicesArgs) -> dict[str, pulumi.Input[str]]:
    """The contract's plain settings, as every Superset container gets them (no secrets here)."""
    return {
        "SUPERSET_ENV": args.environment,
        "SUPERSET_PUBLIC_URL": args.public_url,
        "DATABASE_HOST": args.database_address,
        "DATABASE_PORT": str(args.database_port),
        "DATABASE_DB": args.database_name,
        "DATABASE_USER": args.database_user,
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
    }


def container_secrets(args: ServicesArgs, role: str) -> dict[str, pulumi.Input[str]]:
    """The contract's secrets as ECS `secrets` valueFrom ARNs; only the migration gets the admin password."""
    secrets: dict[str, pulumi.Input[str]] = {
        # RDS keeps {"username": ..., "password": ...}; ECS injects one JSON key (platform >= 1.4).
        "DATABASE_PASSWORD": pulumi.Output.concat(args.database_secret_arn, ":password::"),
        "SUPERSET_SECRET_KEY": args.secret_key_arn,
        "REDIS_AUTH_TOKEN": args.redis_auth_token_arn,
    }
    if role == "migration":
        secrets["SUPERSET_ADMIN_PASSWORD"] = args.admin_password_arn
        if args.previous_secret_key_arn is not None:
            secrets["SUPERSET_PREVIOUS_SECRET_KEY"] = args.previous_secret_key_arn
    return secrets


class Services(pulumi.ComponentResource):
    """The ECS cluster, task definitions and services of Superset."""

    cluster_name: pulumi.Output[str]
    web_service_name: pulumi.Output[str]
    worker_service_name: pulumi.Output[str]
    beat_service_name: pulumi.Output[str]
    migration_task_definition_arn: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    log_group_names: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: ServicesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:service:Services", name, None, opts)
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
            raise ValueError(
                f"Fargate Spot runs only X86_64 tasks, got cpu_architecture {args.cpu_architecture}"
            )
        child = pulumi.ResourceOptions(parent=self)

        cluster = aws.ecs.Cluster(
            name, settings=[{"name": "containerInsights", "value": "enhanced"}], opts=child
        )
        capacity: list[pulumi.Resource] = []
        if args.fargate_spot:
            capacity.append(
                aws.ecs.ClusterCapacityProviders(
                    name,
                    cluster_name=cluster.name,
                    capacity_providers=["FARGATE", "FARGATE_SPOT"],
                    default_capacity_provider_strategies=[{"capacity_provider": "FARGATE", "weight": 1}],
                    opts=child,
                )
            )
        log_groups = {
            role: aws.cloudwatch.LogGroup(
                f"{name}-{role}",
                name=f"{args.log_group_prefix}/{role}",
                retention_in_days=args.log_retention_days,
                kms_key_id=args.kms_key_arn,
                opts=child,
            )
            for role in ROLES
        }

        # --- roles: pulling and starting (execution) is separate from what the app may do (task) ---
        execution_role = aws.iam.Role(
            f"{name}-execution",
            description="ECS pulls Superset and injects its secrets",
            assume_role_policy=service_trust("ecs-tasks.amazonaws.com", args.account_id),
            opts=child,
        )
        secret_arns = [
            args.database_secret_arn,
            args.secret_key_arn,
            args.admin_password_arn,
            args.redis_auth_token_arn,
        ]
        if args.previous_secret_key_arn is not None:
            secret_arns.append(args.previous_secret_key_arn)
        execution_statements: list[dict[str, Any]] = [
            {
                "Sid": "WriteTaskLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [pulumi.Output.concat(group.arn, ":*") for group in log_groups.values()],
            },
            {
                "Sid": "ReadTheNamedSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret_arns,
            },
            {
                "Sid": "DecryptTheSecrets",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": args.kms_key_arn,
            },
        ]
        if args.repository_arn is not None:
            execution_statements += [
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
        aws.iam.RolePolicy(
            f"{name}-execution",
            role=execution_role.id,
            policy=policy_document(execution_statements),
            opts=child,
        )

        task_role = aws.iam.Role(
            f"{name}-task",
            description="What Superset itself may do in AWS",
            assume_role_policy=service_trust("ecs-tasks.amazonaws.com", args.account_id),
            opts=child,
        )
        results = pulumi.Output.concat(args.bucket_arn, "/", args.results_prefix, "*")
        aws.iam.RolePolicy(
            f"{name}-task",
            role=task_role.id,
            policy=policy_document(
                [
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
                ]
            ),
            opts=child,
        )

        # --- task definitions: one shared builder, one table entry per role ---------------------
        shared = TaskDefinitionArgs(
            family_prefix=args.family_prefix,
            image=args.image_ref,
            environment=container_environment(args),
            log_group_names={role: group.name for role, group in log_groups.items()},
            region=args.region,
            cpu_architecture=args.cpu_architecture,
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
        )
        task_definitions = {
            container.name: task_definition(f"{name}-{container.name}", container, shared, child)
            for container in _containers(args)
        }

        # --- the migration runs to completion before any service changes --------------------------
        migration = MigrationRun(
            f"{name}-migration",
            MigrationRunArgs(
                region=args.region,
                cluster_arn=cluster.arn,
                task_definition_arn=task_definitions["migration"].arn,
                subnet_ids=args.private_subnet_ids,
                security_group_ids=[args.security_group_id],
                log_group=log_groups["migration"].name,
                database_instance_identifier=args.database_instance_identifier,
            ),
            opts=child,
        )
        # with a schedule, the scalable targets own every running count, not the service definition
        scheduled = args.office_hours is not None
        owned_count = ["desiredCount"] if scheduled else []
        after_migration = pulumi.ResourceOptions(
            parent=self, depends_on=[migration, *capacity], ignore_changes=owned_count
        )

        # --- services ----------------------------------------------------------------------------
        network = {
            "subnets": list(args.private_subnet_ids),
            "security_groups": [args.security_group_id],
            "assign_public_ip": False,
        }
        placement: dict[str, Any] = (
            {"capacity_provider_strategies": [{"capacity_provider": "FARGATE_SPOT", "weight": 1}]}
            if args.fargate_spot
            else {"launch_type": "FARGATE"}
        )
        common: dict[str, Any] = {
            **placement,
            "cluster": cluster.arn,
            "platform_version": "LATEST",
            "network_configuration": network,
            "enable_ecs_managed_tags": True,
            "propagate_tags": "SERVICE",
            "enable_execute_command": False,
            "wait_for_steady_state": True,
        }
        web = aws.ecs.Service(
            f"{name}-web",
            task_definition=task_definitions["web"].arn,
            desired_count=args.web_min_tasks,
            load_balancers=[
                {
                    "target_group_arn": args.target_group_arn,
                    "container_name": "web",
                    "container_port": CONTAINER_PORT,
                }
            ],
            health_check_grace_period_seconds=args.health_check_grace_period_seconds,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            # autoscaling owns the running count after creation
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[migration, *capacity], ignore_changes=["desiredCount"]
            ),
            **common,
        )
        worker = aws.ecs.Service(
            f"{name}-worker",
            task_definition=task_definitions["worker"].arn,
            desired_count=args.worker_tasks,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            opts=after_migration,
            **common,
        )
        beat = aws.ecs.Service(
            f"{name}-beat",
            task_definition=task_definitions["beat"].arn,
            desired_count=BEAT_TASKS,
            # stop the old scheduler before starting the new one: never two beats at once
            deployment_minimum_healthy_percent=0,
            deployment_maximum_percent=100,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            opts=after_migration,
            **common,
        )

        # --- autoscaling of the web tier ---------------------------------------------------------
        target = aws.appautoscaling.Target(
            f"{name}-web",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", cluster.name, "/", web.name),
            min_capacity=args.web_min_tasks,
            max_capacity=args.web_max_tasks,
            opts=child,
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
                opts=pulumi.ResourceOptions(parent=self, depends_on=[target]),
            )

        # --- office hours: every service to zero in the evening, back in the morning -------------
        if args.office_hours is not None:
            targets = {"web": (target, args.web_min_tasks, args.web_max_tasks)}
            for role, service, count in (("worker", worker, args.worker_tasks), ("beat", beat, BEAT_TASKS)):
                role_target = aws.appautoscaling.Target(
                    f"{name}-{role}",
                    service_namespace="ecs",
                    scalable_dimension="ecs:service:DesiredCount",
                    resource_id=pulumi.Output.concat("service/", cluster.name, "/", service.name),
                    min_capacity=count,
                    max_capacity=count,
                    opts=child,
                )
                targets[role] = (role_target, count, count)
            for role, (role_target, low, high) in targets.items():
                for moment, expression, (floor, ceiling) in (
                    ("start", args.office_hours.services_start, (low, high)),
                    ("stop", args.office_hours.services_stop, (0, 0)),
                ):
                    aws.appautoscaling.ScheduledAction(
                        f"{name}-{role}-{moment}",
                        name=f"{args.family_prefix}-{role}-{moment}",
                        service_namespace=role_target.service_namespace,
                        scalable_dimension=role_target.scalable_dimension,
                        resource_id=role_target.resource_id,
                        schedule=expression,
                        timezone=args.office_hours_timezone,
                        scalable_target_action={"min_capacity": floor, "max_capacity": ceiling},
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[role_target]),
                    )

        self.cluster_name = cluster.name
        self.web_service_name = web.name
        self.worker_service_name = worker.name
        self.beat_service_name = beat.name
        self.migration_task_definition_arn = task_definitions["migration"].arn
        self.execution_role_arn = execution_role.arn
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
                "task_role_arn": self.task_role_arn,
                "log_group_names": self.log_group_names,
            }
        )


def _containers(args: ServicesArgs) -> list[Container]:
    """What differs between the four task definitions: the entrypoint's command, the size, the
    secrets, the stop timeout, the health check and the port."""
    return [
        Container(
            name="web",
            command="web",
            cpu=args.web_cpu,
            memory_mib=args.web_memory_mib,
            secrets=container_secrets(args, "web"),
            health_check=WEB_HEALTH_CHECK,
            port=CONTAINER_PORT,
        ),
        Container(
            name="worker",
            command="worker",
            cpu=args.worker_cpu,
            memory_mib=args.worker_memory_mib,
            secrets=container_secrets(args, "worker"),
            # a stopping worker finishes its running tasks (docs/failure-behaviour.md)
            stop_timeout_seconds=sizing.WORKER_STOP_TIMEOUT_SECONDS,
            health_check=WORKER_HEALTH_CHECK,
        ),
        Container(
            name="beat",
            command="beat",
            cpu=BEAT_CPU,
            memory_mib=BEAT_MEMORY_MIB,
            secrets=container_secrets(args, "beat"),
        ),
        Container(
            name="migration",
            command="bootstrap",
            cpu=args.web_cpu,
            memory_mib=args.web_memory_mib,
            secrets=container_secrets(args, "migration"),
        ),
    ]
