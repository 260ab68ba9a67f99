"""Task definitions: the one shape every Superset task takes on Fargate, whatever its role.

`task_definition()` creates an `aws.ecs.TaskDefinition` (awsvpc, FARGATE, Linux on the chosen CPU
architecture) with one container that:
- speaks the contract: plain settings in `environment`, every secret through `secrets` valueFrom
  (both sorted by name), never a secret as plain environment;
- runs as the non-root `superset` user on a read-only root filesystem, with two writable task
  volumes: Superset's home and /tmp;
- runs under an init process (signals reach gunicorn and Celery, zombies are reaped), has a stop
  timeout, logs through awslogs to its role's log group, and optionally has a health check (run
  with the image's own interpreter, no shell) and a TCP port.

What differs between roles (command, size, secrets, stop timeout, health check, port) is a
:class:`Container`; what every task definition of a stack shares is :class:`TaskDefinitionArgs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from superset_stack import sizing

SUPERSET_HOME = "/app/superset_home"
USER = "superset"  # the official image's non-root user; runtime/Dockerfile ends with USER superset
# The interpreter the image's ENTRYPOINT runs (runtime/Dockerfile); the health checks run it too.
IMAGE_PYTHON = "/app/.venv/bin/python"
# name -> mount path: the only writable places of the container
WRITABLE_VOLUMES = {"superset-home": SUPERSET_HOME, "tmp": "/tmp"}


@dataclass(frozen=True, kw_only=True)
class HealthCheck:
    """A container health check: a command ECS runs inside the container.

    Attributes:
        command: argv run directly (`CMD`, no shell); exit 0 means healthy.
        interval_seconds, timeout_seconds: how often it runs, and how long one run may take.
        start_period_seconds: failures during this grace period after start do not count.
        retries: consecutive failures that make the container unhealthy. Defaults to 3.
    """

    command: tuple[str, ...]
    interval_seconds: int
    timeout_seconds: int
    start_period_seconds: int
    retries: int = 3

    def definition(self) -> dict[str, Any]:
        """The container definition's `healthCheck` block."""
        return {
            "command": ["CMD", *self.command],
            "interval": self.interval_seconds,
            "timeout": self.timeout_seconds,
            "retries": self.retries,
            "startPeriod": self.start_period_seconds,
        }


@dataclass(frozen=True, kw_only=True)
class Container:
    """One role's container: what differs between the task definitions.

    Attributes:
        name: the container's name (web, worker, beat, migration); also the family suffix, the log
            stream prefix and the key of its log group.
        command: the argument of the image's entrypoint (web, worker, beat, bootstrap).
        cpu, memory_mib: the task size, a combination Fargate offers.
        secrets: variable name -> Secrets Manager ARN (with `:key::` for one JSON key).
        stop_timeout_seconds: from SIGTERM to SIGKILL. Defaults to
            sizing.CONTAINER_STOP_TIMEOUT_SECONDS (gunicorn's graceful timeout plus a margin).
        health_check: Defaults to none: ECS watches only that the process runs.
        port: TCP port the container listens on. Defaults to none: no port mapping.
        image: this role's own image (the worker's, with the browser). Defaults to the shared one.
        environment: plain settings of this role only, over the shared ones. Defaults to none.
    """

    name: str
    command: str
    cpu: int
    memory_mib: int
    secrets: Mapping[str, pulumi.Input[str]]
    stop_timeout_seconds: int = sizing.CONTAINER_STOP_TIMEOUT_SECONDS
    health_check: HealthCheck | None = None
    port: int | None = None
    image: pulumi.Input[str] | None = None
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class TaskDefinitionArgs:
    """What every task definition of a stack shares.

    Attributes:
        family_prefix: families are `<prefix>-<container name>` (account-wide: unique per stack).
        image: image reference, digest-pinned; every container's unless it names its own.
        environment: the contract's plain settings, the same in every container.
        log_group_names: container name -> its awslogs group.
        region: the log groups' region.
        cpu_architecture: ARM64 or X86_64.
        execution_role_arn: the role ECS pulls the image and reads the secrets with.
        task_role_arn: the role the application runs with.
    """

    family_prefix: str
    image: pulumi.Input[str]
    environment: Mapping[str, pulumi.Input[str]]
    log_group_names: Mapping[str, pulumi.Input[str]]
    region: str
    cpu_architecture: str
    execution_role_arn: pulumi.Input[str]
    task_role_arn: pulumi.Input[str]


def container_definition(container: Container, args: TaskDefinitionArgs) -> dict[str, Any]:
    """The container definition (ECS JSON, camelCase) of `container`, hardened as the module says."""
    definition: dict[str, Any] = {
        "name": container.name,
        "image": container.image if container.image is not None else args.image,
        "essential": True,
        "command": [container.command],
        "user": USER,
        "readonlyRootFilesystem": True,
        "mountPoints": [
            {"sourceVolume": volume, "containerPath": path} for volume, path in WRITABLE_VOLUMES.items()
        ],
        "environment": [
            {"name": key, "value": value}
            for key, value in sorted({**args.environment, **container.environment}.items())
        ],
        "secrets": [{"name": key, "valueFrom": value} for key, value in sorted(container.secrets.items())],
        "linuxParameters": {"initProcessEnabled": True},
        "stopTimeout": container.stop_timeout_seconds,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": args.log_group_names[container.name],
                "awslogs-region": args.region,
                "awslogs-stream-prefix": container.name,
            },
        },
    }
    if container.port is not None:
        definition["portMappings"] = [{"containerPort": container.port, "protocol": "tcp"}]
    if container.health_check is not None:
        definition["healthCheck"] = container.health_check.definition()
    return definition


def task_definition(
    name: str, container: Container, args: TaskDefinitionArgs, opts: pulumi.ResourceOptions
) -> aws.ecs.TaskDefinition:
    """A Fargate task definition `name` (family `<prefix>-<container name>`) running `container`."""
    return aws.ecs.TaskDefinition(
        name,
        family=f"{args.family_prefix}-{container.name}",
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        cpu=str(container.cpu),
        memory=str(container.memory_mib),
        execution_role_arn=args.execution_role_arn,
        task_role_arn=args.task_role_arn,
        runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": args.cpu_architecture},
        volumes=[{"name": volume} for volume in WRITABLE_VOLUMES],
        container_definitions=pulumi.Output.json_dumps([container_definition(container, args)]),
        opts=opts,
    )
