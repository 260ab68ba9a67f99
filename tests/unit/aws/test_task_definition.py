"""Task definitions: every Superset container runs hardened, speaks the contract through
environment and secrets valueFrom, and logs through awslogs; Fargate, awsvpc, the chosen platform."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi

from superset_stack.aws.task_definition import (
    Container,
    HealthCheck,
    TaskDefinitionArgs,
    container_definition,
    task_definition,
)
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
IMAGE = "repo@sha256:" + "a" * 64
SECRET_KEY = "arn:aws:secretsmanager:us-east-1:123456789012:secret:secret-key"
DB_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-abc"
SHARED = TaskDefinitionArgs(
    family_prefix="superset-prod",
    image=IMAGE,
    environment={"SUPERSET_ENV": "prod", "DATABASE_HOST": "db.internal"},
    log_group_names={"beat": "/superset/prod/beat", "web": "/superset/prod/web"},
    region="us-east-1",
    cpu_architecture="ARM64",
    execution_role_arn="arn:aws:iam::123456789012:role/execution",
    task_role_arn="arn:aws:iam::123456789012:role/task",
)
PING = HealthCheck(command=("/app/.venv/bin/python", "-m", "superset_stack.runtime.health", "web"),
                   interval_seconds=15, timeout_seconds=5, start_period_seconds=60)  # fmt: skip


def container(**overrides: Any) -> Container:
    values: dict[str, Any] = {
        "name": "beat", "command": "beat", "cpu": 256, "memory_mib": 512,
        "secrets": {"SUPERSET_SECRET_KEY": SECRET_KEY, "DATABASE_PASSWORD": f"{DB_SECRET}:password::"},
    }  # fmt: skip
    values.update(overrides)
    return Container(**values)


def test_a_container_runs_hardened_and_gets_secrets_only_through_valuefrom() -> None:
    assert container_definition(container(), SHARED) == {
        "name": "beat",
        "image": IMAGE,
        "essential": True,
        "command": ["beat"],
        "user": "superset",
        "readonlyRootFilesystem": True,
        "mountPoints": [
            {"sourceVolume": "superset-home", "containerPath": "/app/superset_home"},
            {"sourceVolume": "tmp", "containerPath": "/tmp"},
        ],
        # both sorted by name, so the JSON (and the task definition revision) is stable
        "environment": [
            {"name": "DATABASE_HOST", "value": "db.internal"},
            {"name": "SUPERSET_ENV", "value": "prod"},
        ],
        "secrets": [
            {"name": "DATABASE_PASSWORD", "valueFrom": f"{DB_SECRET}:password::"},
            {"name": "SUPERSET_SECRET_KEY", "valueFrom": SECRET_KEY},
        ],
        "linuxParameters": {"initProcessEnabled": True},
        "stopTimeout": 40,  # gunicorn's graceful timeout and a margin
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": "/superset/prod/beat",
                "awslogs-region": "us-east-1",
                "awslogs-stream-prefix": "beat",
            },
        },
    }


def test_a_port_and_a_health_check_when_the_role_has_them() -> None:
    definition = container_definition(
        container(name="web", command="web", port=8088, health_check=PING, stop_timeout_seconds=120), SHARED
    )
    assert definition["portMappings"] == [{"containerPort": 8088, "protocol": "tcp"}]
    assert definition["healthCheck"] == {
        "command": ["CMD", "/app/.venv/bin/python", "-m", "superset_stack.runtime.health", "web"],
        "interval": 15,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 60,
    }
    assert definition["stopTimeout"] == 120
    assert list(definition)[-2:] == ["portMappings", "healthCheck"]
    assert "portMappings" not in container_definition(container(), SHARED)
    assert "healthCheck" not in container_definition(container(), SHARED)


def test_a_role_s_own_plain_settings_join_the_shared_ones_sorted() -> None:
    definition = container_definition(container(environment={"WAREHOUSE_CONNECTIONS": "{}"}), SHARED)
    assert definition["environment"] == [
        {"name": "DATABASE_HOST", "value": "db.internal"},
        {"name": "SUPERSET_ENV", "value": "prod"},
        {"name": "WAREHOUSE_CONNECTIONS", "value": "{}"},
    ]
    assert container_definition(container(), SHARED)["environment"] == definition["environment"][:2]


def test_the_task_definition_is_fargate_awsvpc_with_two_writable_volumes(build: Build) -> None:
    mocks = build(lambda: task_definition("app-beat", container(), SHARED, pulumi.ResourceOptions()))
    (inputs,) = mocks.inputs_of("aws:ecs/taskDefinition:TaskDefinition")
    definitions = json.loads(inputs.pop("containerDefinitions"))
    assert inputs == {
        "family": "superset-prod-beat",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "executionRoleArn": "arn:aws:iam::123456789012:role/execution",
        "taskRoleArn": "arn:aws:iam::123456789012:role/task",
        "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"},
        "volumes": [{"name": "superset-home"}, {"name": "tmp"}],
    }
    assert definitions == [container_definition(container(), SHARED)]
