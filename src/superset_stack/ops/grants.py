"""What the DR drill may call: its AWS API calls as IAM statements, scoped by the stack's names.

`DRILL` is the table the bootstrap turns into each environment's drill policy (bootstrap/
permissions.py), so that the monthly drill runs as a role of its own instead of the deploy role.
Each row is one statement: the actions of the calls the drill makes (drill.py, and the helpers it
uses in snapshots.py and tasks.py), on the resources the stack's names allow. Placeholders in
resources and condition values: {partition}, {account}, {stack} and {prefix} (`superset-<stack>`,
Settings.resource_prefix); regions are `*`, as the bootstrap does not know each stack's.

tests/unit/ops/test_grants.py runs the drill against moto while recording every botocore call, and
fails when it calls an action no row grants, or a row grants one it neither calls nor needs (IMPLIED
names the actions AWS authorizes besides the call itself). The resource scopes follow AWS's service
authorization reference; no real account has exercised them here, so the first drill through CI is
what confirms them (an AccessDenied names the action and the resource).

`superset-stack snapshot` has no table: CI does not run it (the pre-deploy snapshot is the migration
run's, under the deploy role: bootstrap/actions.py), and an operator runs it with their own rights.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Condition = Mapping[str, Mapping[str, str | tuple[str, ...]]]

# botocore calls whose IAM action is not `<service>:<Operation>`
CALL_ACTIONS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("resourcegroupstaggingapi", "GetResources"): ("tag:GetResources",),
    ("s3", "ListObjectVersions"): ("s3:ListBucketVersions",),
    ("s3", "DeleteObjects"): ("s3:DeleteObjectVersion",),  # with VersionId: every version goes
}


def call_actions(service: str, operation: str) -> tuple[str, ...]:
    """The IAM actions a botocore call (client service name, operation name) is authorized by."""
    return CALL_ACTIONS.get((service, operation), (f"{service}:{operation}",))


@dataclass(frozen=True)
class Grant:
    """One Allow statement: `actions` on `resources`, under `condition` (placeholders: the module)."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...] = ("*",)
    condition: Condition = field(default_factory=dict)

    def statement(self, fill: Callable[[str], Any]) -> dict[str, Any]:
        """The IAM statement, each resource and condition value passed through `fill`."""
        statement: dict[str, Any] = {
            "Sid": self.sid,
            "Effect": "Allow",
            "Action": sorted(self.actions),
            "Resource": [fill(resource) for resource in self.resources],
        }
        if self.condition:
            statement["Condition"] = {
                operator: {
                    key: [fill(v) for v in value] if isinstance(value, tuple) else fill(value)
                    for key, value in values.items()
                }
                for operator, values in self.condition.items()
            }
        return statement


def stack_prefix(stack: str) -> str:
    """Settings.resource_prefix of a stack, from its name alone (the bootstrap has no stack file)."""
    return re.sub(r"[^a-z0-9-]", "-", f"superset-{stack}".lower())


def placeholders(stack: str) -> dict[str, str]:
    """The per-stack placeholders; {partition} and {account} come from the account."""
    return {"stack": stack, "prefix": stack_prefix(stack)}


def granted(grants: Sequence[Grant]) -> set[str]:
    return {action for grant in grants for action in grant.actions}


_ARN = "arn:{partition}:{service}:*:{account}:"


def _arn(service: str, rest: str) -> str:
    return _ARN.replace("{service}", service) + rest


DRILL: tuple[Grant, ...] = (
    # configuration reads: over every instance (the leftover search) and the tagging API, which
    # takes no resource scope
    Grant("FindTheStackAndWatch", (
        "rds:DescribeDBInstances", "rds:DescribeDBSnapshots", "tag:GetResources", "ecs:ListServices",
        "ecs:DescribeServices", "ecs:DescribeTaskDefinition", "ecs:DescribeTasks",
    )),
    Grant("RestoreOnlyIntoAScratchInstance", (
        "rds:RestoreDBInstanceFromDBSnapshot", "rds:AddTagsToResource",
    ), (
        _arn("rds", "db:{prefix}-drill-*"),
        _arn("rds", "snapshot:rds:{prefix}-metadata-*"),  # the automated snapshots
        _arn("rds", "snapshot:awsbackup:job-*"),  # AWS Backup's
        _arn("rds", "subgrp:*"), _arn("rds", "pg:*"), _arn("rds", "og:*"),
    )),
    Grant("ChangeAndDeleteOnlyScratchInstances", ("rds:ModifyDBInstance", "rds:DeleteDBInstance"), (
        _arn("rds", "db:{prefix}-drill-*"),
    )),
    Grant("ReadTheMasterPasswordOfTheStacksDatabase", ("secretsmanager:GetSecretValue",), (
        _arn("secretsmanager", "secret:rds!db-*"),
    ), {"StringLike": {
        "aws:ResourceTag/aws:rds:primaryDBInstanceArn": _arn("rds", "db:{prefix}-metadata"),
    }}),
    # the snapshot and the secret are encrypted with the stack key: RDS and Secrets Manager use it
    # on the caller's behalf
    Grant("UseTheStackKeyThroughRdsAndSecretsManager", (
        "kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey",
    ), (
        _arn("kms", "key/*"),
    ), {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/{prefix}"},
        "StringLike": {"kms:ViaService": ("rds.*.amazonaws.com", "secretsmanager.*.amazonaws.com")},
    }),
    Grant("RunOnlyTheMigrationTaskDefinition", ("ecs:RunTask",), (
        _arn("ecs", "task-definition/{prefix}-migration:*"),
    )),
    Grant("TagTheTasksItStarts", ("ecs:TagResource",), (_arn("ecs", "task/*"),), {
        "StringEquals": {"ecs:CreateAction": "RunTask"},
    }),
    Grant("StopOnlyTheStacksTasks", ("ecs:StopTask",), (_arn("ecs", "task/*"),), {
        "StringEquals": {"aws:ResourceTag/Stack": "{stack}"},
    }),
    Grant("PassTheTasksRolesOnlyToEcs", ("iam:PassRole",), (
        "arn:{partition}:iam::{account}:role/superset-app-*",  # the execution and task roles
    ), {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"},
    }),
    Grant("ReadOnlyTheMigrationLog", ("logs:GetLogEvents",), (
        _arn("logs", "log-group:/superset/{stack}/migration:log-stream:*"),
    )),
)  # fmt: skip

# What AWS authorizes besides the calls the drill makes itself, and why.
DRILL_IMPLIED: Mapping[str, str] = {
    "rds:AddTagsToResource": "RestoreDBInstanceFromDBSnapshot with Tags",
    "ecs:TagResource": "RunTask with propagateTags",
    "iam:PassRole": "RunTask hands the task definition's execution and task roles to ECS",
    "kms:CreateGrant": "restoring a snapshot encrypted with the stack key",
    "kms:DescribeKey": "restoring a snapshot encrypted with the stack key",
    "kms:Decrypt": "reading a secret and restoring a snapshot encrypted with the stack key",
}
