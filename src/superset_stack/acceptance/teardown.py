"""Teardown of a throw-away stack: what `pulumi destroy` cannot delete, and what it leaves behind.

The stack keeps data by design: its buckets and ECR repository are never force-deleted, the backup
vault refuses deletion while it holds recovery points, and deleting the database leaves a final
snapshot and its retained automated backups. For a throw-away stack `before_destroy` empties the
buckets, the repositories and the vaults found in the stack's state, and `after_destroy` deletes
the database's final snapshot and retained backups. Each returns what it deleted, for the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BUCKET = "aws:s3/bucket:Bucket"
REPOSITORY = "aws:ecr/repository:Repository"
VAULT = "aws:backup/vault:Vault"
DATABASE = "aws:rds/instance:Instance"


def resource_outputs(deployment: Mapping[str, Any], type_token: str) -> list[dict[str, Any]]:
    """The outputs of every resource of `type_token` in an exported deployment (`pulumi stack export`)."""
    return [
        dict(resource.get("outputs", {}))
        for resource in deployment.get("resources", [])
        if resource.get("type") == type_token
    ]


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker of a (versioned) bucket; how many."""
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        keys = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted


def delete_images(ecr: Any, repository: str) -> int:
    """Delete every image of an ECR repository; how many."""
    deleted = 0
    for page in ecr.get_paginator("list_images").paginate(repositoryName=repository):
        if page["imageIds"]:
            ecr.batch_delete_image(repositoryName=repository, imageIds=page["imageIds"])
            deleted += len(page["imageIds"])
    return deleted


def delete_recovery_points(backup: Any, vault: str) -> int:
    """Delete every recovery point of an AWS Backup vault; how many."""
    deleted = 0
    for page in backup.get_paginator("list_recovery_points_by_backup_vault").paginate(BackupVaultName=vault):
        for point in page["RecoveryPoints"]:
            backup.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=point["RecoveryPointArn"])
            deleted += 1
    return deleted


def delete_database_leftovers(rds: Any, identifier: str) -> list[str]:
    """Delete the final snapshot `<identifier>-final` and the retained automated backups of a
    deleted instance; what was deleted."""
    deleted = []
    snapshot = f"{identifier}-final"
    if _snapshot_exists(rds, snapshot):
        rds.delete_db_snapshot(DBSnapshotIdentifier=snapshot)
        deleted.append(f"snapshot {snapshot}")
    retained = rds.describe_db_instance_automated_backups(DBInstanceIdentifier=identifier)
    for backup in retained["DBInstanceAutomatedBackups"]:
        rds.delete_db_instance_automated_backup(DbiResourceId=backup["DbiResourceId"])
        deleted.append(f"automated backups {backup['DbiResourceId']}")
    return deleted


def _snapshot_exists(rds: Any, snapshot: str) -> bool:
    try:
        rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot)
    except rds.exceptions.DBSnapshotNotFoundFault:
        return False
    return True


@dataclass(kw_only=True)
class Teardown:
    """The cleanup around `pulumi destroy` for one stack, with boto3 clients of its region."""

    s3: Any
    ecr: Any
    backup: Any
    rds: Any

    def before_destroy(self, deployment: Mapping[str, Any]) -> list[str]:
        """Empty the stack's buckets, repositories and backup vaults; what was emptied."""
        done = []
        for outputs in resource_outputs(deployment, BUCKET):
            done.append(f"bucket {outputs['bucket']}: {empty_bucket(self.s3, outputs['bucket'])} versions")
        for outputs in resource_outputs(deployment, REPOSITORY):
            done.append(f"repository {outputs['name']}: {delete_images(self.ecr, outputs['name'])} images")
        for outputs in resource_outputs(deployment, VAULT):
            points = delete_recovery_points(self.backup, outputs["name"])
            done.append(f"vault {outputs['name']}: {points} recovery points")
        return done

    def after_destroy(self, deployment: Mapping[str, Any]) -> list[str]:
        """Delete what the deleted databases left: final snapshots, retained automated backups."""
        return [
            item
            for outputs in resource_outputs(deployment, DATABASE)
            for item in delete_database_leftovers(self.rds, outputs["identifier"])
        ]
