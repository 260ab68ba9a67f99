"""MigrationRun: the task runs to a clean exit before the services change, or the deploy fails."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer
from pulumi.dynamic.dynamic import serialize_provider

from superset_stack.aws.migration import DatabaseWaker, MigrationError, MigrationRunner, MigrationRunProvider
from superset_stack.aws.service import Services
from superset_stack.local.processes import free_port
from superset_stack.ops.waiting import Clock
from superset_stack.plan.recording import RecordingMocks
from tests.unit.aws.test_service import args as service_args

Build = Callable[[Callable[[], Any]], RecordingMocks]
SOURCE = Path(__file__).resolve().parents[3] / "src"
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
    assert run_resource.inputs["database_instance_identifier"] == "superset-prod-metadata"
    for service in mocks.of_type("aws:ecs/service:Service"):
        assert "pulumi-python:dynamic:Resource::app-migration" in service.options["dependsOn"], service.name


# --- a stopped database (office hours) is started for the migration and stopped again -----------

DATABASE = "superset-dev-metadata"


@pytest.fixture
def rds() -> Iterator[Any]:
    """moto's RDS in server mode on loopback, with the metadata instance stopped, as at night."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    # moto keeps its state across servers in one process: start from none
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST"))
    client = boto3.client("rds", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    client.create_db_instance(DBInstanceIdentifier=DATABASE, Engine="postgres", DBInstanceClass="db.t4g.micro",
                              AllocatedStorage=20, MasterUsername="superset_admin", MasterUserPassword="not-used-1")  # fmt: skip
    client.stop_db_instance(DBInstanceIdentifier=DATABASE)
    yield client
    server.stop()


def status(rds: Any) -> str:
    return str(rds.describe_db_instances(DBInstanceIdentifier=DATABASE)["DBInstances"][0]["DBInstanceStatus"])


def test_a_stopped_database_is_started_and_the_caller_told_to_stop_it_again(rds: Any) -> None:
    assert status(rds) == "stopped"
    assert DatabaseWaker(client=rds, sleep=lambda _seconds: None).wake(DATABASE) is True
    assert status(rds) == "available"
    assert (
        DatabaseWaker(client=rds, sleep=lambda _seconds: None).wake(DATABASE) is False
    )  # already up: left alone


def test_waiting_for_the_database_gives_up_with_its_status() -> None:
    client = boto3.client(
        "rds", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    stub = Stubber(client)
    starting = {"DBInstances": [{"DBInstanceIdentifier": DATABASE, "DBInstanceStatus": "starting"}]}
    for _ in range(4):
        stub.add_response("describe_db_instances", starting, {"DBInstanceIdentifier": DATABASE})
    waker = DatabaseWaker(client=client, poll_seconds=15, timeout_seconds=30, sleep=lambda _seconds: None)
    with stub, pytest.raises(MigrationError) as caught:
        waker.wake(DATABASE)
    assert str(caught.value) == (
        f"the database {DATABASE} was not available within 30 s (it is starting); the migration did not run "
        "and the services were not changed"
    )


def provider_with(rds: Any, ecs_client: Any) -> MigrationRunProvider:
    return MigrationRunProvider(client=lambda service, _region: {"rds": rds, "ecs": ecs_client}[service])


PROPS = {"region": "us-east-1", "cluster_arn": CLUSTER, "task_definition_arn": TASK_DEF,
         "subnet_ids": ["subnet-a", "subnet-b"], "security_group_ids": ["sg-app"],
         "log_group": "/superset/prod/migration", "database_instance_identifier": DATABASE}  # fmt: skip


@pytest.mark.parametrize("exit_code", [0, 1])
def test_a_deploy_at_night_wakes_the_database_for_the_migration_and_puts_it_back_to_sleep(
    rds: Any, exit_code: int
) -> None:
    client, stub = ecs()
    stub.add_response("run_task", {"tasks": [{"taskArn": TASK}], "failures": []}, RUN_TASK)
    stub.add_response(
        "describe_tasks", described("STOPPED", exit_code), {"cluster": CLUSTER, "tasks": [TASK]}
    )
    seen_by_the_task: list[str] = []
    original = client.run_task

    def run_task(**kwargs: Any) -> Any:
        seen_by_the_task.append(status(rds))
        return original(**kwargs)

    client.run_task = run_task
    with stub:
        if exit_code == 0:
            assert provider_with(rds, client).create(dict(PROPS)).outs["exit_code"] == 0
        else:
            with pytest.raises(MigrationError, match="stopped with exit code 1"):
                provider_with(rds, client).create(dict(PROPS))
    assert seen_by_the_task == ["available"]  # the task met a running database
    assert status(rds) == "stopped"  # and it is asleep again, whatever the migration's outcome


def test_a_running_database_is_left_running(rds: Any) -> None:
    rds.start_db_instance(DBInstanceIdentifier=DATABASE)
    client, stub = ecs()
    stub.add_response("run_task", {"tasks": [{"taskArn": TASK}], "failures": []}, RUN_TASK)
    stub.add_response("describe_tasks", described("STOPPED", 0), {"cluster": CLUSTER, "tasks": [TASK]})
    with stub:
        provider_with(rds, client).create(dict(PROPS))
    assert status(rds) == "available"


# --- a snapshot before a migration that changes the Superset version ---------------------------

SNAPSHOTTED = {
    **PROPS,
    "superset_version": "6.2.0",
    "pre_deploy_snapshot": True,
    "pre_deploy_snapshots_to_keep": 2.0,
}  # fmt: skip  (numbers come back from the state as floats)
BEFORE = {**SNAPSHOTTED, "superset_version": "6.1.0", "task_arn": TASK, "exit_code": 0}


def migrating(rds: Any, seen: list[list[str]]) -> Any:
    """An ECS client that runs one migration cleanly and notes the pre-deploy snapshots it met."""
    client, stub = ecs()
    stub.add_response("run_task", {"tasks": [{"taskArn": TASK}], "failures": []}, RUN_TASK)
    stub.add_response("describe_tasks", described("STOPPED", 0), {"cluster": CLUSTER, "tasks": [TASK]})
    original = client.run_task

    def run_task(**kwargs: Any) -> Any:
        seen.append(pre_deploy_snapshots(rds))
        return original(**kwargs)

    client.run_task = run_task
    stub.activate()
    return client


def pre_deploy_snapshots(rds: Any) -> list[str]:
    found = rds.describe_db_snapshots(DBInstanceIdentifier=DATABASE, SnapshotType="manual")["DBSnapshots"]
    return sorted(s["DBSnapshotIdentifier"] for s in found if "-pre-deploy-" in s["DBSnapshotIdentifier"])


def test_an_upgrade_snapshots_the_database_before_it_migrates(rds: Any) -> None:
    seen: list[list[str]] = []
    outs = provider_with(rds, migrating(rds, seen)).update(TASK, BEFORE, dict(SNAPSHOTTED)).outs
    (taken,) = seen[0]  # the snapshot existed when the migration task started
    assert taken.startswith("superset-dev-pre-deploy-")
    assert outs["pre_deploy_snapshot_identifier"] == taken
    assert outs["superset_version"] == "6.2.0"  # what the next deploy compares with
    arn = rds.describe_db_snapshots(DBSnapshotIdentifier=taken)["DBSnapshots"][0]["DBSnapshotArn"]
    tags = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=arn)["TagList"]}
    assert tags["superset-stack:from-version"] == "6.1.0" and tags["superset-stack:to-version"] == "6.2.0"
    assert tags["superset-stack:purpose"] == "pre-deploy"
    assert status(rds) == "stopped"  # woken for the snapshot and the migration, asleep again


@pytest.mark.parametrize(
    "case",
    ["first deploy", "same version", "turned off", "version unknown before"],
)
def test_no_snapshot_when_the_version_does_not_change_or_it_is_off(rds: Any, case: str) -> None:
    seen: list[list[str]] = []
    provider = provider_with(rds, migrating(rds, seen))
    if case == "first deploy":
        outs = provider.create(dict(SNAPSHOTTED)).outs
    else:
        news = {**SNAPSHOTTED, "pre_deploy_snapshot": case != "turned off"}
        olds = {**BEFORE, "superset_version": {"same version": "6.2.0", "turned off": "6.1.0"}.get(case)}
        outs = provider.update(TASK, olds, news).outs
    assert seen == [[]]  # the migration ran, with no snapshot before it
    assert outs["pre_deploy_snapshot_identifier"] == ""
    assert pre_deploy_snapshots(rds) == []


def test_older_pre_deploy_snapshots_are_pruned_to_the_setting(
    rds: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    moments = iter(datetime(2026, 11, 30, hour, tzinfo=UTC) for hour in (9, 10, 11))
    monkeypatch.setattr("superset_stack.ops.snapshots.Clock", lambda: Clock(now=lambda: next(moments)))
    for version in ("6.2.0", "6.3.0", "6.4.0"):
        olds = {**BEFORE, "superset_version": f"{version}-before"}
        provider_with(rds, migrating(rds, [])).update(
            TASK, olds, {**SNAPSHOTTED, "superset_version": version}
        )
    assert pre_deploy_snapshots(rds) == [  # keep 2: the oldest one went
        "superset-dev-pre-deploy-20261130-100000",
        "superset-dev-pre-deploy-20261130-110000",
    ]


def test_a_failed_snapshot_fails_the_deploy_before_anything_migrates(rds: Any) -> None:
    from botocore.exceptions import ClientError

    def refuse(**_kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "SnapshotQuotaExceeded", "Message": "quota of 100 reached"}},
                          "CreateDBSnapshot")  # fmt: skip

    rds.create_db_snapshot = refuse
    client, stub = ecs()  # no run_task answered: the stub fails the test if the task is started
    with stub, pytest.raises(MigrationError) as caught:
        provider_with(rds, client).update(TASK, BEFORE, dict(SNAPSHOTTED))
    assert str(caught.value) == (
        "the snapshot before upgrading Superset 6.1.0 -> 6.2.0 failed: An error occurred (SnapshotQuotaExceeded) "
        "when calling the CreateDBSnapshot operation: quota of 100 reached; the migration did not run and the "
        "services were not changed"
    )
    assert status(rds) == "stopped"  # put back to sleep all the same


def test_the_provider_pickles_and_loads_in_a_fresh_interpreter() -> None:
    """Pulumi keeps the provider in the state (dill) and loads it in its own process to run updates."""
    serialized = serialize_provider(MigrationRunProvider())
    load = (
        "import base64, sys, dill\n"
        "provider = dill.loads(base64.b64decode(sys.stdin.read()))\n"
        "print(type(provider).__module__, type(provider).__name__, provider._client)\n"
        "print(provider.diff('t', {'task_definition_arn': 'a'}, {'task_definition_arn': 'b'}).changes)\n"
    )
    result = subprocess.run([sys.executable, "-c", load], input=serialized, capture_output=True, text=True,
                            check=False, timeout=60, env={**os.environ, "PYTHONPATH": str(SOURCE)})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["superset_stack.aws.migration MigrationRunProvider None", "True"]
