"""The role boundary: the ceiling of what any role the Superset program creates may ever do.

Every role the program creates carries this managed policy as its permissions boundary (the stack's
roleBoundaryArn setting), and the deploy roles may create or change a role only with it
(permissions.iam_statements): a deploy role can no longer reach more through a role it makes than
the boundary allows, whatever inline policy it writes. A role's effective permissions are what
both its policies and the boundary allow.

BOUNDARY lists, per kind of role, the actions its policies grant: the inline policies as the plans
hold them (tests/unit/bootstrap/test_boundary.py fails when a plan's role policy has an action no
row allows) and, for the AWS-managed policies the program attaches (actions.ATTACHED_POLICIES), the
part of them the stack uses: AWS Backup's two policies cover every service AWS Backup protects,
the stack backs up, copies and restores one RDS instance. Those rows follow AWS's managed policy
reference and have not run against a real account here: the first backup, copy and restore
(docs/operations.md) are the check, and a denied call names the action to add.
"""

from __future__ import annotations

from typing import Any

from superset_stack.aws.warehouse_grants import CATALOG_ACTIONS, GLUE_ACTIONS, QUERY_ACTIONS, RESULTS_ACTIONS

# Backing up and restoring the database: RDS snapshots, encrypted with the stack key (and the copy
# region's key), found through the tagging API.
_SNAPSHOT_KEYS = (
    "kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant",
)  # fmt: skip

# Sid -> actions. Sids name who needs them; every action is named, none is a wildcard.
BOUNDARY: dict[str, tuple[str, ...]] = {
    # ECS starting a task (aws/service.py _execution_role): pull the image, write its log stream,
    # read its secrets and decrypt them
    "StartTasks": (
        "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents", "secretsmanager:GetSecretValue",
        "kms:Decrypt",
    ),
    # Superset itself (aws/service.py _task_role): SQL Lab results, IAM database login, the declared
    # Athena connections (aws/warehouse_grants.py)
    "RunSuperset": (
        "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation",
        "kms:GenerateDataKey", "kms:Decrypt", "rds-db:connect",
        *QUERY_ACTIONS, *CATALOG_ACTIONS, *GLUE_ACTIONS, *RESULTS_ACTIONS,
    ),
    # VPC flow logs (aws/network.py)
    "WriteFlowLogs": (
        "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:DescribeLogGroups",
    ),
    # RDS Enhanced Monitoring (AmazonRDSEnhancedMonitoringRole: the RDSOSMetrics log group)
    "MonitorTheDatabase": (
        "logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:CreateLogStream", "logs:PutLogEvents",
        "logs:DescribeLogStreams", "logs:GetLogEvents",
    ),
    # EventBridge Scheduler's office hours (aws/database.py _schedule)
    "StopAndStartTheDatabase": ("rds:StartDBInstance", "rds:StopDBInstance"),
    # AWS Backup (AWSBackupServiceRolePolicyForBackup, its RDS instance part, and the copy region)
    "BackUpTheDatabase": (
        "rds:AddTagsToResource", "rds:ListTagsForResource", "rds:DescribeDBInstances",
        "rds:DescribeDBSnapshots", "rds:CreateDBSnapshot", "rds:CopyDBSnapshot", "rds:DeleteDBSnapshot",
        "rds:ModifyDBSnapshotAttribute", "backup:DescribeBackupVault", "backup:CopyIntoBackupVault",
        "backup:CopyFromBackupVault", "tag:GetResources", *_SNAPSHOT_KEYS,
    ),
    # AWS Backup restores (AWSBackupServiceRolePolicyForRestores, its RDS instance part)
    "RestoreTheDatabase": (
        "rds:RestoreDBInstanceFromDBSnapshot", "rds:CreateDBInstance", "rds:DeleteDBInstance",
        "rds:ModifyDBInstance", "rds:DescribeDBInstances", "rds:DescribeDBSnapshots",
        "rds:AddTagsToResource", *_SNAPSHOT_KEYS,
    ),
}  # fmt: skip


# The AWS-managed policies the program attaches (actions.ATTACHED_POLICIES) -> their row above.
MANAGED_POLICY_ROWS: dict[str, str] = {
    "iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup": "BackUpTheDatabase",
    "iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores": "RestoreTheDatabase",
    "iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole": "MonitorTheDatabase",
}


def boundary_statements() -> list[dict[str, Any]]:
    """One Allow statement per BOUNDARY row, its actions sorted, on every resource."""
    return [
        {"Sid": sid, "Effect": "Allow", "Action": sorted(set(actions)), "Resource": "*"}
        for sid, actions in BOUNDARY.items()
    ]
