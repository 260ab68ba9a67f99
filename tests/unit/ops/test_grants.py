"""The drill's call table: every AWS call the drill makes is granted, no grant outlives its call,
and the scopes are the stack's own names (ops/names.py), not another stack's."""

from __future__ import annotations

import json
import os
import re
import signal
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from superset_stack.ops.grants import (
    DRILL,
    DRILL_IMPLIED,
    Grant,
    call_actions,
    granted,
    placeholders,
    stack_prefix,
)
from superset_stack.ops.names import StackNames
from superset_stack.ops.session import Aws
from superset_stack.ops.waiting import sigterm_as_interrupt
from tests.conftest import make_settings
from tests.unit.ops.conftest import STARTED, Deployed, Fargate
from tests.unit.ops.test_drill import PASSED, drill

PLANS = Path(__file__).resolve().parents[2] / "plans"


def every_path(aws: Aws, deployed: Deployed, fargate: Fargate) -> None:
    """A leftover of a killed drill, a drill that restores, verifies and deletes, then one
    interrupted while its task runs (the task is stopped)."""
    rds = aws.client("rds")
    (point,) = rds.describe_db_snapshots(SnapshotType="automated")["DBSnapshots"]
    rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="superset-dev-drill-20261101-090000",
        DBSnapshotIdentifier=point["DBSnapshotIdentifier"], Tags=deployed.names.tool_tags("drill"),
    )  # fmt: skip
    fargate.lines = [PASSED]
    drill(aws, deployed.names, fargate)

    def interrupt(_sleep: int) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    fargate.on_sleep = interrupt
    with sigterm_as_interrupt(), pytest.raises(KeyboardInterrupt):
        drill(aws, deployed.names, fargate)


def test_every_call_the_drill_makes_is_granted_and_every_grant_is_called_or_implied(
    aws: Aws, deployed: Deployed, fargate: Fargate, api_calls: set[str]
) -> None:
    every_path(aws, deployed, fargate)
    assert "ecs:StopTask" in api_calls and "rds:DeleteDBInstance" in api_calls  # every path ran
    assert sorted(api_calls - granted(DRILL)) == [], "add these to ops/grants.py DRILL"
    assert sorted(granted(DRILL) - api_calls - set(DRILL_IMPLIED)) == [], "the drill no longer calls these"
    assert sorted(set(DRILL_IMPLIED) & api_calls) == [], "called directly: not implied"
    assert set(DRILL_IMPLIED) <= granted(DRILL)


def test_calls_map_to_their_iam_actions() -> None:
    assert call_actions("rds", "RestoreDBInstanceFromDBSnapshot") == ("rds:RestoreDBInstanceFromDBSnapshot",)
    assert call_actions("resourcegroupstaggingapi", "GetResources") == ("tag:GetResources",)
    assert call_actions("s3", "ListObjectVersions") == ("s3:ListBucketVersions",)


def filled(stack: str) -> list[dict[str, object]]:
    values = {"partition": "aws", "account": "123456789012", **placeholders(stack)}
    return [grant.statement(lambda template: template.format(**values)) for grant in DRILL]


def resources(statements: list[dict[str, object]], sid: str) -> list[str]:
    (statement,) = [s for s in statements if s["Sid"] == sid]
    found = statement["Resource"]
    assert isinstance(found, list)
    return found


def matches(patterns: list[str], arn: str) -> bool:
    return any(fnmatchcase(arn, pattern) for pattern in patterns)


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_writes_reach_this_stacks_scratch_instance_task_family_and_log_only(stack: str) -> None:
    names, other = (StackNames.of(make_settings(s)) for s in (stack, "staging"))
    mine, theirs = filled(stack), filled("staging")
    arn = "arn:aws:{service}:eu-west-1:123456789012:{rest}"
    scratch = arn.format(service="rds", rest=f"db:{names.timestamped('drill', STARTED)}")
    database = arn.format(service="rds", rest=f"db:{names.database_identifier}")
    family = arn.format(service="ecs", rest=f"task-definition/{names.task_family('migration')}:12")
    stream = arn.format(
        service="logs", rest=f"log-group:{names.log_group('migration')}:log-stream:migration/m/1"
    )
    for sid in ("RestoreOnlyIntoAScratchInstance", "ChangeAndDeleteOnlyScratchInstances"):
        assert matches(resources(mine, sid), scratch) and not matches(resources(theirs, sid), scratch)
        assert not matches(resources(mine, sid), database)  # never the stack's own database
    assert matches(resources(mine, "RunOnlyTheMigrationTaskDefinition"), family)
    assert not matches(
        resources(mine, "RunOnlyTheMigrationTaskDefinition"), family.replace("migration", "web")
    )
    assert matches(resources(mine, "ReadOnlyTheMigrationLog"), stream)
    assert not matches(resources(theirs, "ReadOnlyTheMigrationLog"), stream)
    assert other.prefix == stack_prefix("staging")


def test_the_secret_and_the_key_are_the_stacks_by_tag_and_alias() -> None:
    statements = {s["Sid"]: s for s in filled("prod")}
    secret = statements["ReadTheMasterPasswordOfTheStacksDatabase"]["Condition"]
    assert secret == {"StringLike": {
        "aws:ResourceTag/aws:rds:primaryDBInstanceArn": "arn:aws:rds:*:123456789012:db:superset-prod-metadata",
    }}  # fmt: skip
    key = statements["UseTheStackKeyThroughRdsAndSecretsManager"]["Condition"]
    assert key["ForAnyValue:StringEquals"] == {
        "kms:ResourceAliases": StackNames.of(make_settings("prod")).kms_alias
    }


@pytest.mark.parametrize("stack", ["prod", "dev", "Team_A.Reports"])
def test_the_prefix_is_the_settings_resource_prefix(stack: str) -> None:
    assert stack_prefix(stack) == make_settings("dev", stack=stack, environment="dev").resource_prefix


def test_only_the_migration_task_definitions_roles_are_passed() -> None:
    (pattern,) = resources(filled("prod"), "PassTheTasksRolesOnlyToEcs")
    plan = json.loads((PLANS / "example-prod.json").read_text())
    (migration,) = [r for r in plan["resources"] if r["inputs"].get("family") == "superset-prod-migration"]
    for key in ("executionRoleArn", "taskRoleArn"):
        role = migration["inputs"][key].rsplit(":", 1)[1]  # the mocks' ARN ends in the logical name
        assert fnmatchcase(f"arn:aws:iam::123456789012:role/{role}-1a2b3c4", pattern)


def test_a_grant_renders_every_placeholder() -> None:
    grant = Grant(
        "Sid", ("a:B",), ("arn:{partition}:x:*:{account}:{prefix}",), {"StringEquals": {"k": ("{stack}",)}}
    )
    rendered = grant.statement(lambda t: t.format(partition="aws", account="1", **placeholders("prod")))
    assert rendered == {"Sid": "Sid", "Effect": "Allow", "Action": ["a:B"], "Resource": ["arn:aws:x:*:1:superset-prod"],
                        "Condition": {"StringEquals": {"k": ["prod"]}}}  # fmt: skip
    assert re.search(r"\{\w+\}", json.dumps(filled("prod"))) is None
