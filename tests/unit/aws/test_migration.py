"""MigrationRun: the task runs to a clean exit before the services change, or the deploy fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from superset_stack.aws.migration import MigrationError, MigrationRunner, MigrationRunProvider
from superset_stack.aws.service import Services
from superset_stack.plan.recording import RecordingMocks
from tests.unit.aws.test_service import args as service_args

Build = Callable[[Callable[[], Any]], RecordingMocks]
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/superset"
TASK_DEF = "arn:aws:ecs:us-east-1:123456789012:task-definition/superset-prod-migration:7"
TASK = "arn:aws:ecs:us-east-1:123456789012:task/superset/0123456789abcdef"
RUN_TASK = {
    "cluster": CLUSTER, "taskDefinition": TASK_DEF, "launchType": "FARGATE", "platformVersion": "LATEST", "count": 1,
    "startedBy": "superset-stack-migration", "propagateTags": "TASK_DEFINITION",
    "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-app"],
                                                     "assignPublicIp": "DISABLED"}},
}  # fmt: skip


def ecs() -> tuple[Any, Stubber]:
    client = boto3.client(
        "ecs", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    return client, Stubber(client)


def described(status: str, exit_code: int | None = None, reason: str | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "migration"}
    if exit_code is not None:
        container["exitCode"] = exit_code
    if reason:
        container["reason"] = reason
    return {"tasks": [{"taskArn": TASK, "lastStatus": status, "containers": [container]}], "failures": []}


def run(client: Any, **overrides: Any) -> dict[str, Any]:
    runner = MigrationRunner(client=client, poll_seconds=6, sleep=lambda _seconds: None, **overrides)
    return runner.run(cluster=CLUSTER, task_definition=TASK_DEF, subnets=["subnet-a", "subnet-b"],
                      security_groups=["sg-app"], log_group="/superset/prod/migration")  # fmt: skip


def test_runs_the_task_and_waits_for_a_clean_exit() -> None:
    client, stub = ecs()
    stub.add_response("run_task", {"tasks": [{"taskArn": TASK}], "failures": []}, RUN_TASK)
    for status in ("PROVISIONING", "RUNNING"):
        stub.add_response("describe_tasks", described(status), {"cluster": CLUSTER, "tasks": [TASK]})
    stub.add_response("describe_tasks", described("STOPPED", 0), {"cluster": CLUSTER, "tasks": [TASK]})
    with stub:
        assert run(client) == {"task_arn": TASK, "exit_code": 0}
    stub.assert_no_pending_responses()


def test_a_failed_migration_fails_the_deployment() -> None:
    client, stub = ecs()
    stub.add_response("run_task", {"tasks": [{"taskArn": TASK}], "failures": []}, RUN_TASK)
    stub.add_response("describe_tasks", described("STOPPED", 1), {"cluster": CLUSTER, "tasks": [TASK]})
    with stub, pytest.raises(MigrationError) as caught:
        run(client)
    assert str(caught.value) == (
        f"the migration task {TASK} stopped with exit code 1 (no reason given); the services were not changed; "
        "see the /superset/prod/migration log group"
    )


def test_a_task_that_never_started_its_container() -> None:
    client, stub = ecs()
    stub.add_response("run_task", {"tasks": [{"taskArn": TASK}], "failures": []}, RUN_TASK)
    stub.add_response("describe_tasks", described("STOPPED", reason="CannotPullContainerError: image not found"),
                      {"cluster": CLUSTER, "tasks": [TASK]})  # fmt: skip
    with (
        stub,
        pytest.raises(MigrationError, match=r"exit code None \(CannotPullContainerError: image not found\)"),
    ):
        run(client)


def test_a_task_ecs_could_not_place() -> None:
    client, stub = ecs()
    stub.add_response(
        "run_task", {"tasks": [], "failures": [{"arn": TASK_DEF, "reason": "RESOURCE:ENI"}]}, RUN_TASK
    )
    with (
        stub,
        pytest.raises(MigrationError, match=f"the migration task did not start: {TASK_DEF}: RESOURCE:ENI"),
    ):
        run(client)


def test_gives_up_waiting_after_the_timeout() -> None:
    client, stub = ecs()
    stub.add_response("run_task", {"tasks": [{"taskArn": TASK}], "failures": []}, RUN_TASK)
    for _ in range(3):
        stub.add_response("describe_tasks", described("RUNNING"), {"cluster": CLUSTER, "tasks": [TASK]})
    with stub, pytest.raises(MigrationError, match="did not finish within 12 s; it keeps running"):
        run(client, timeout_seconds=12)


def test_runs_again_only_for_a_new_task_definition_or_cluster() -> None:
    provider = MigrationRunProvider()
    olds = {"task_definition_arn": TASK_DEF, "cluster_arn": CLUSTER, "subnet_ids": ["subnet-a"]}
    assert not provider.diff(TASK, olds, {**olds, "subnet_ids": ["subnet-b"]}).changes
    assert provider.diff(TASK, olds, {**olds, "task_definition_arn": TASK_DEF.replace(":7", ":8")}).changes
    assert (
        provider.diff(TASK, olds, {**olds, "task_definition_arn": TASK_DEF.replace(":7", ":8")}).replaces
        == []
    )


def test_every_service_waits_for_the_migration(build: Build) -> None:
    mocks = build(lambda: Services("app", service_args()))
    (run_resource,) = mocks.of_type("pulumi-python:dynamic:Resource")
    assert run_resource.name == "app-migration"
    assert run_resource.inputs["__provider"] == "[dynamic provider]"
    assert run_resource.inputs["task_definition_arn"] == (
        "arn:aws:ecs:us-east-1:123456789012:task-definition/superset-prod-migration:1"
    )
    assert run_resource.inputs["security_group_ids"] == ["sg-app"]
    for service in mocks.of_type("aws:ecs/service:Service"):
        assert "pulumi-python:dynamic:Resource::app-migration" in service.options["dependsOn"], service.name
