"""SECRET_KEY rotation on AWS (moto): the stages, the two deploys it waits for, resuming, failures."""

from __future__ import annotations

import re
from typing import Any

import pytest

from superset_stack.ops.names import StackNames
from superset_stack.ops.report import Report
from superset_stack.ops.rotation import STATE_TAG, AwsRotation, _rolled_back, _steady, new_secret_key, rotate
from superset_stack.ops.session import Aws, OpsError
from tests.unit.ops.conftest import SECRET_KEY, Deployed, Fargate, register, report_for

PREVIOUS_NAME = "superset-dev/previous-secret-key-20261130-090000"


def run(aws: Aws, names: StackNames, fargate: Fargate) -> tuple[bool, Report]:
    report = report_for("rotate-secret-key", fargate, names)
    finished = rotate(AwsRotation(aws, names, 7, fargate.clock), report)
    return finished, report


def previous(aws: Aws) -> dict[str, Any] | None:
    found = aws.client("secretsmanager").list_secrets(Filters=[{"Key": "name", "Values": [PREVIOUS_NAME]}])
    return found["SecretList"][0] if found["SecretList"] else None


def value(aws: Aws, secret: str) -> str:
    return str(aws.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"])


def deploy_previous_key(aws: Aws, deployed: Deployed, previous_arn: str | None) -> None:
    """What `pulumi up` does with previousSecretKeySecretArn set (or removed): a new migration revision."""
    ecs = aws.client("ecs")
    (container,) = ecs.describe_task_definition(taskDefinition=deployed.task_definitions["migration"])[
        "taskDefinition"]["containerDefinitions"]  # fmt: skip
    secrets = [item for item in container["secrets"] if item["name"] != "SUPERSET_PREVIOUS_SECRET_KEY"]
    if previous_arn:
        secrets.append({"name": "SUPERSET_PREVIOUS_SECRET_KEY", "valueFrom": previous_arn})
    register(aws, deployed.names, "migration", {**container, "secrets": secrets})


def test_a_rotation_from_start_to_end_with_its_two_deploys(
    aws: Aws, deployed: Deployed, fargate: Fargate
) -> None:
    names = deployed.names
    finished, report = run(aws, names, fargate)
    kept = previous(aws)
    assert kept is not None
    assert (finished, [step.name for step in report.steps]) == (
        False,
        ["keep the current key as the previous key"],
    )
    assert report.next_actions == [
        f"pulumi config set previousSecretKeySecretArn {kept['ARN']} --stack dev",
        "pulumi up --stack dev   (the migration task gets the previous key)",
        "superset-stack rotate-secret-key --stack dev   (continues from here)",
    ]
    assert value(aws, kept["ARN"]) == SECRET_KEY
    assert value(aws, deployed.key_secret_arn) == SECRET_KEY  # nothing changed for the tasks yet
    assert {tag["Key"]: tag["Value"] for tag in kept["Tags"]}[STATE_TAG] == "kept"

    finished, report = run(aws, names, fargate)  # nothing deployed yet: still waiting, nothing done
    assert (finished, report.steps, report.facts["waiting_at"]) == (False, [], "wired")

    deploy_previous_key(aws, deployed, kept["ARN"])
    finished, report = run(aws, names, fargate)
    assert (finished, [step.name for step in report.steps]) == (False, [
        "the migration task reads the previous key", "write a new SECRET_KEY",
        "re-encrypt stored secrets with the migration task", "restart web, worker and beat on the new key"])  # fmt: skip
    assert report.steps[2].detail.endswith(" exited 0")
    assert report.steps[3].detail == "redeployed beat, web, worker"
    new_key = value(aws, deployed.key_secret_arn)
    assert re.fullmatch(r"[A-Za-z0-9]{64}", new_key) and new_key != SECRET_KEY
    assert value(aws, kept["ARN"]) == SECRET_KEY
    assert report.next_actions[0] == "pulumi config rm previousSecretKeySecretArn --stack dev"

    deploy_previous_key(aws, deployed, None)
    finished, report = run(aws, names, fargate)
    assert finished is True
    assert [step.name for step in report.steps] == ["unwire and discard the previous key"]
    assert re.fullmatch(
        rf"{PREVIOUS_NAME} deleted \(recoverable until \d{{4}}-\d\d-\d\d\)", report.steps[0].detail
    )
    assert previous(aws) is None
    assert value(aws, deployed.key_secret_arn) == new_key


def test_the_migration_task_runs_as_deployed_with_the_previous_key(
    aws: Aws, deployed: Deployed, fargate: Fargate
) -> None:
    seen: list[dict[str, Any]] = []
    aws.client("ecs").meta.events.register("provide-client-params.ecs.RunTask",
                                           lambda params, **_kw: seen.append(dict(params)))  # fmt: skip
    run(aws, deployed.names, fargate)
    kept = previous(aws)
    assert kept is not None
    deploy_previous_key(aws, deployed, kept["ARN"])
    run(aws, deployed.names, fargate)
    (call,) = seen
    assert (
        call["taskDefinition"]
        == "arn:aws:ecs:us-east-1:123456789012:task-definition/superset-dev-migration:2"
    )
    assert call["overrides"] == {
        "containerOverrides": [{"name": "migration"}]
    }  # the deployed command: bootstrap
    assert call["startedBy"] == "superset-stack-rotate-secret-key"


def test_an_interrupted_rotation_continues_where_it_stopped(
    aws: Aws, deployed: Deployed, fargate: Fargate
) -> None:
    run(aws, deployed.names, fargate)
    kept = previous(aws)
    assert kept is not None
    deploy_previous_key(aws, deployed, kept["ARN"])

    def interrupt(_sleep: int) -> None:
        raise KeyboardInterrupt

    fargate.on_sleep = interrupt  # while the re-encryption task runs
    with pytest.raises(KeyboardInterrupt):
        run(aws, deployed.names, fargate)
    written = value(aws, deployed.key_secret_arn)
    assert written != SECRET_KEY
    assert {tag["Key"]: tag["Value"] for tag in (previous(aws) or {})["Tags"]}[STATE_TAG] == "generated"

    fargate.on_sleep = None
    finished, report = run(aws, deployed.names, fargate)
    assert (finished, report.facts["resumed_after"]) == (False, "generated")
    assert [step.name for step in report.steps] == [
        "re-encrypt stored secrets with the migration task",
        "restart web, worker and beat on the new key",
    ]
    assert value(aws, deployed.key_secret_arn) == written  # not a second new key


def test_a_key_written_before_the_state_was_saved_is_not_replaced(
    aws: Aws, deployed: Deployed, fargate: Fargate
) -> None:
    run(aws, deployed.names, fargate)
    kept = previous(aws)
    assert kept is not None
    deploy_previous_key(aws, deployed, kept["ARN"])
    aws.client("secretsmanager").put_secret_value(SecretId=deployed.key_secret_arn, SecretString="n" * 64)
    fargate.on_sleep = None
    _, report = run(aws, deployed.names, fargate)
    assert report.steps[1].detail == "the SECRET_KEY secret already holds a new key (an earlier run wrote it)"
    assert value(aws, deployed.key_secret_arn) == "n" * 64


def test_a_failed_re_encryption_keeps_the_previous_key_and_stops(
    aws: Aws, deployed: Deployed, fargate: Fargate
) -> None:
    run(aws, deployed.names, fargate)
    kept = previous(aws)
    assert kept is not None
    deploy_previous_key(aws, deployed, kept["ARN"])
    fargate.exit_code = 1
    with pytest.raises(OpsError) as caught:
        run(aws, deployed.names, fargate)
    assert re.fullmatch(
        r"the migration task arn:aws:ecs:us-east-1:123456789012:task/superset-app-1a2b3c4/\S+ exited with 1; "
        r"see /superset/dev/migration\. Nothing is lost: the previous key is kept; run the command again after "
        r"fixing it",
        str(caught.value),
    )
    assert value(aws, kept["ARN"]) == SECRET_KEY


def test_a_stopped_database_stops_the_re_encryption_with_a_reason(
    aws: Aws, deployed: Deployed, fargate: Fargate
) -> None:
    run(aws, deployed.names, fargate)
    kept = previous(aws)
    assert kept is not None
    deploy_previous_key(aws, deployed, kept["ARN"])
    aws.client("rds").stop_db_instance(DBInstanceIdentifier="superset-dev-metadata")
    with pytest.raises(
        OpsError, match=r"^the database superset-dev-metadata is stopped; the migration task needs"
    ):
        run(aws, deployed.names, fargate)


def test_a_stack_without_its_secret_is_named(aws: Aws, names: StackNames, fargate: Fargate) -> None:
    with pytest.raises(OpsError) as caught:
        run(aws, names, fargate)
    assert str(caught.value) == (
        "the stack's SECRET_KEY secret (superset-dev/secret-key-...) does not exist in us-east-1: is the stack "
        "deployed there?"
    )


def test_a_service_is_steady_with_one_deployment_and_every_task_running() -> None:
    rolling = {
        "runningCount": 2,
        "desiredCount": 2,
        "deployments": [{"status": "PRIMARY"}, {"status": "ACTIVE"}],
    }
    assert not _steady(rolling)
    assert not _steady({"runningCount": 1, "desiredCount": 2, "deployments": [{"status": "PRIMARY"}]})
    assert _steady({"runningCount": 2, "desiredCount": 2, "deployments": [{"status": "PRIMARY"}]})
    failed = {
        "deployments": [{"status": "PRIMARY", "rolloutState": "FAILED", "rolloutStateReason": "tasks failed"}]
    }
    assert _rolled_back(failed) == "the deployment failed: tasks failed"
    assert _rolled_back(rolling) is None


def test_new_keys_are_64_letters_and_digits_and_differ() -> None:
    keys = {new_secret_key() for _ in range(20)}
    assert len(keys) == 20 and all(re.fullmatch(r"[A-Za-z0-9]{64}", key) for key in keys)
