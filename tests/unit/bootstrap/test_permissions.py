"""The CI policies, exactly: what a preview may read, what a deploy may write, and what neither may
touch (the state bucket's configuration, the key, roles that are not the stack's)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.acceptance.grants import ACCEPTANCE
from superset_stack.bootstrap.actions import NEEDS, Needs
from superset_stack.bootstrap.boundary import boundary_statements
from superset_stack.bootstrap.permissions import (
    POLICY_SIZE_LIMIT,
    StackPermissions,
    StackPermissionsArgs,
    chunks,
    read_statement,
    services,
    write_statements,
)
from superset_stack.ops.grants import DRILL
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
BUCKET = "arn:aws:s3:::pulumi-state-bucket"
KEY = "arn:aws:kms:us-east-1:123456789012:key/pulumi"
ALIAS = "arn:aws:kms:us-east-1:123456789012:alias/superset-stack-pulumi"
BOUNDARY = "arn:aws:iam:us-east-1:123456789012:ci-role-boundary"  # the mocks' ARN of policy ci-role-boundary
SMALL = {
    "aws:ecs/taskDefinition:TaskDefinition": Needs(
        ("ecs:RegisterTaskDefinition",), passes_role_to="ecs-tasks.amazonaws.com"
    ),
    "aws:iam/role:Role": Needs(("iam:CreateRole", "iam:DeleteRole")),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": Needs(
        ("iam:AttachRolePolicy", "iam:DetachRolePolicy")
    ),
    "aws:ecs/cluster:Cluster": Needs(("ecs:CreateCluster",), service_linked_role="ecs.amazonaws.com"),
    "aws:backup/vault:Vault": Needs(("backup:CreateBackupVault", "backup-storage:MountCapsule")),
}


def permissions() -> StackPermissions:
    return StackPermissions("ci", StackPermissionsArgs(
        account_id="123456789012", partition="aws", state_bucket_arn=BUCKET, key_arn=KEY, key_alias_arn=ALIAS,
        environments=("dev", "prod"),
    ))  # fmt: skip


def policies(build: Build) -> dict[str, dict[str, Any]]:
    mocks = build(permissions)
    return {p.name: json.loads(p.inputs["policy"]) for p in mocks.of_type("aws:iam/policy:Policy")}


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    assert document["Version"] == "2012-10-17"
    result: list[dict[str, Any]] = document["Statement"]
    return result


def test_reads_cover_exactly_the_services_of_the_resource_types() -> None:
    assert services(SMALL) == ("backup", "backup-storage", "ecs", "iam")
    assert read_statement(SMALL) == {
        "Sid": "ReadTheStacksServices", "Effect": "Allow", "Resource": "*",
        "Action": ["backup:Describe*", "backup:Get*", "backup:List*", "backup-storage:Describe*",
                   "backup-storage:Get*", "backup-storage:List*", "ecs:Describe*", "ecs:Get*", "ecs:List*",
                   "iam:Describe*", "iam:Get*", "iam:List*"],
    }  # fmt: skip


def test_writes_are_one_statement_per_service_without_iam() -> None:
    assert write_statements(SMALL) == [
        {"Sid": "WriteBackup", "Effect": "Allow", "Action": ["backup:CreateBackupVault"], "Resource": "*"},
        {"Sid": "WriteBackupStorage", "Effect": "Allow", "Action": ["backup-storage:MountCapsule"], "Resource": "*"},
        {"Sid": "WriteEcs", "Effect": "Allow", "Action": ["ecs:CreateCluster", "ecs:RegisterTaskDefinition"],
         "Resource": "*"},
    ]  # fmt: skip


def test_chunks_keep_order_and_stay_under_the_limit() -> None:
    statements_ = write_statements()
    packed = chunks(statements_)
    assert [s for chunk in packed for s in chunk] == statements_
    assert len(packed) == 2
    assert all(len(json.dumps({"Version": "2012-10-17", "Statement": c}, separators=(",", ":"))) <= POLICY_SIZE_LIMIT
               for c in packed)  # fmt: skip
    assert chunks([{"Sid": "A" * 50}, {"Sid": "B" * 50}], limit=100) == [
        [{"Sid": "A" * 50}],
        [{"Sid": "B" * 50}],
    ]


def test_the_policies_and_who_gets_them(build: Build) -> None:
    created: list[StackPermissions] = []
    mocks = build(lambda: created.append(permissions()))
    assert sorted(p.name for p in mocks.of_type("aws:iam/policy:Policy")) == [
        "ci-acceptance", "ci-deploy-state", "ci-drill-dev", "ci-drill-prod", "ci-iam", "ci-preview-state", "ci-read",
        "ci-role-boundary", "ci-write-1", "ci-write-2",
    ]  # fmt: skip
    assert created[0].role_boundary_arn is not None  # attached to no CI role: the stack's roles' boundary
    attached = [*created[0].preview_policy_arns, *created[0].acceptance_policy_arns]
    assert "role-boundary" not in attached
    assert list(created[0].preview_policy_arns) == ["read", "preview-state"]
    assert list(created[0].deploy_policy_arns) == ["read", "write-1", "write-2", "iam", "deploy-state"]
    assert list(created[0].acceptance_policy_arns) == [*created[0].deploy_policy_arns, "acceptance"]
    assert {env: list(arns) for env, arns in created[0].drill_policy_arns.items()} == {
        "dev": ["drill"], "prod": ["drill"],
    }  # fmt: skip


def test_each_drill_policy_is_the_drill_table_for_its_own_stack(build: Build) -> None:
    found = policies(build)
    prod = statements(found["ci-drill-prod"])
    assert [s["Sid"] for s in prod] == [grant.sid for grant in DRILL]
    restore = next(s for s in prod if s["Sid"] == "RestoreOnlyIntoAScratchInstance")
    assert restore["Resource"][:2] == [
        "arn:aws:rds:*:123456789012:db:superset-prod-drill-*",
        "arn:aws:rds:*:123456789012:snapshot:rds:superset-prod-metadata-*",
    ]
    assert json.dumps(statements(found["ci-drill-dev"])).count("superset-dev") == json.dumps(prod).count(
        "superset-prod"
    )  # the same table, the other stack's names
    assert "superset-prod" not in json.dumps(found["ci-drill-dev"])
    assert all(s["Effect"] == "Allow" for s in prod)


def test_the_acceptance_policy_is_its_table(build: Build) -> None:
    assert [s["Sid"] for s in statements(policies(build)["ci-acceptance"])] == [g.sid for g in ACCEPTANCE]


def test_every_policy_fits_iams_size_limit(build: Build) -> None:
    for name, document in policies(build).items():
        assert len(json.dumps(document, separators=(",", ":"))) <= POLICY_SIZE_LIMIT, name


def test_the_write_policies_hold_every_write_action_but_iam(build: Build) -> None:
    found = policies(build)
    written = {
        a for name in ("ci-write-1", "ci-write-2") for s in statements(found[name]) for a in s["Action"]
    }
    assert written == {a for need in NEEDS.values() for a in need.actions if not a.startswith("iam:")}
    assert all(s["Effect"] == "Allow" and s["Resource"] == "*" for n in ("ci-write-1", "ci-write-2")
               for s in statements(found[n]))  # fmt: skip


def test_preview_reads_the_state_and_no_data(build: Build) -> None:
    assert statements(policies(build)["ci-preview-state"]) == [
        {"Sid": "ListTheState", "Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket"], "Resource": BUCKET},
        {"Sid": "ReadTheState", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"},
        {"Sid": "DecryptTheStateAndStackSecrets", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey"],
         "Resource": KEY},
        {"Sid": "NoDataReads", "Effect": "Deny", "Resource": "*",
         "Action": ["ec2:GetPasswordData", "logs:GetLogEvents", "logs:GetLogRecord", "logs:GetQueryResults",
                    "secretsmanager:GetSecretValue"]},
        {"Sid": "NoObjectReadsOutsideTheState", "Effect": "Deny", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
         "NotResource": f"{BUCKET}/*"},
    ]  # fmt: skip


def test_deploy_writes_the_state_and_leaves_bucket_and_key_as_bootstrapped(build: Build) -> None:
    assert statements(policies(build)["ci-deploy-state"]) == [
        {"Sid": "ListTheState", "Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket"], "Resource": BUCKET},
        {"Sid": "ReadAndWriteTheState", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
         "Resource": f"{BUCKET}/*"},
        {"Sid": "EncryptTheStateAndStackSecrets", "Effect": "Allow",
         "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"], "Resource": KEY},
        {"Sid": "LeaveTheStateBucketAsBootstrapped", "Effect": "Deny",
         "NotAction": ["s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
         "Resource": [BUCKET, f"{BUCKET}/*"]},
        {"Sid": "LeaveTheSecretsKeyAsBootstrapped", "Effect": "Deny",
         "NotAction": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"], "Resource": [KEY, ALIAS]},
    ]  # fmt: skip


def test_iam_reaches_the_stacks_bounded_roles_and_services_only(build: Build) -> None:
    roles = "arn:aws:iam::123456789012:role/superset-*"
    bounded = {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}}
    assert statements(policies(build)["ci-iam"]) == [
        {"Sid": "ManageOnlyTheStacksRoles", "Effect": "Allow", "Resource": roles,
         "Action": ["iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole"]},
        {"Sid": "CreateAndChangeOnlyBoundedRoles", "Effect": "Allow", "Resource": roles, "Condition": bounded,
         "Action": ["iam:CreateRole", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"]},
        {"Sid": "AttachOnlyThePoliciesTheStackAttaches", "Effect": "Allow",
         "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy"], "Resource": roles,
         "Condition": {"ArnEquals": {"iam:PolicyARN": [
             "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
             "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
             "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
         ]}, **bounded}},
        {"Sid": "PassTheStacksRolesOnlyToTheirServices", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": roles, "Condition": {"StringEquals": {"iam:PassedToService": [
             "backup.amazonaws.com", "ecs-tasks.amazonaws.com", "monitoring.rds.amazonaws.com",
             "scheduler.amazonaws.com", "vpc-flow-logs.amazonaws.com",
         ]}}},
        {"Sid": "CreateOnlyTheStacksServiceLinkedRoles", "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole",
         "Resource": "arn:aws:iam::123456789012:role/aws-service-role/*",
         "Condition": {"StringEquals": {"iam:AWSServiceName": [
             "ecs.amazonaws.com", "ecs.application-autoscaling.amazonaws.com", "elasticache.amazonaws.com",
             "elasticloadbalancing.amazonaws.com", "rds.amazonaws.com",
         ]}}},
        {"Sid": "NeverRemoveARoleBoundary", "Effect": "Deny", "Action": "iam:DeleteRolePermissionsBoundary",
         "Resource": "*"},
        {"Sid": "NeverSetAnotherRoleBoundary", "Effect": "Deny", "Action": "iam:PutRolePermissionsBoundary",
         "Resource": "*", "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": BOUNDARY}}},
        {"Sid": "LeaveTheRoleBoundaryAsBootstrapped", "Effect": "Deny", "Resource": BOUNDARY,
         "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion"]},
    ]  # fmt: skip


def test_the_role_boundary_is_its_table(build: Build) -> None:
    assert statements(policies(build)["ci-role-boundary"]) == boundary_statements()


def test_read_policy_is_the_read_statement(build: Build) -> None:
    assert statements(policies(build)["ci-read"]) == [read_statement()]
    assert [p.split(":")[0] for p in read_statement()["Action"][::3]] == list(services())


def test_more_policies_than_iam_attaches_to_a_role_are_refused(
    mocks: RecordingMocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    from superset_stack.bootstrap import permissions as module

    monkeypatch.setattr(module, "chunks", lambda statements: [[statement] for statement in statements])
    count = len(write_statements()) + 4
    with pytest.raises(ValueError, match=f"{count} policies per acceptance role exceed IAM's quota of 10"):
        permissions()
