"""Teardown: empty what a destroy cannot delete, delete what it leaves, from the stack's state."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.stub import Stubber

from superset_stack.acceptance.teardown import (
    Teardown,
    delete_database_leftovers,
    delete_images,
    delete_recovery_points,
    empty_bucket,
    resource_outputs,
)
from tests.unit.acceptance.conftest import Clients

DEPLOYMENT = {"resources": [
    {"type": "pulumi:providers:aws", "outputs": {}},
    {"type": "aws:s3/bucket:Bucket", "outputs": {"bucket": "superset-storage-1a2b3c4"}},
    {"type": "aws:s3/bucket:Bucket", "outputs": {"bucket": "superset-alb-logs-5d6e7f8"}},
    {"type": "aws:ecr/repository:Repository", "outputs": {"name": "superset-image-0a1b2c3"}},
    {"type": "aws:backup/vault:Vault", "outputs": {"name": "superset-backup-9f8e7d6"}},
    {"type": "aws:rds/instance:Instance", "outputs": {"identifier": "superset-live-20261130-120000-metadata"}},
]}  # fmt: skip


def test_resources_are_found_in_the_exported_state_by_type() -> None:
    assert [o["bucket"] for o in resource_outputs(DEPLOYMENT, "aws:s3/bucket:Bucket")] == [
        "superset-storage-1a2b3c4", "superset-alb-logs-5d6e7f8"]  # fmt: skip
    assert resource_outputs({}, "aws:s3/bucket:Bucket") == []


def test_a_versioned_bucket_is_emptied_of_every_version_and_delete_marker(aws: Clients) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="superset-storage-1a2b3c4")
    s3.put_bucket_versioning(Bucket="superset-storage-1a2b3c4", VersioningConfiguration={"Status": "Enabled"})
    for body in (b"one", b"two"):
        s3.put_object(Bucket="superset-storage-1a2b3c4", Key="sqllab-results/q1", Body=body)
    s3.delete_object(Bucket="superset-storage-1a2b3c4", Key="sqllab-results/q1")  # a delete marker
    assert empty_bucket(s3, "superset-storage-1a2b3c4") == 3
    listed = s3.list_object_versions(Bucket="superset-storage-1a2b3c4")
    assert (listed.get("Versions", []), listed.get("DeleteMarkers", [])) == ([], [])
    s3.delete_bucket(Bucket="superset-storage-1a2b3c4")  # what `pulumi destroy` does next now works


def test_a_repository_is_emptied_of_its_images(aws: Clients) -> None:
    ecr = aws("ecr")
    ecr.create_repository(repositoryName="superset-image-0a1b2c3")
    for tag in ("runtime-0123456789abcdef", "runtime-fedcba9876543210"):
        manifest = json.dumps({"schemaVersion": 2, "tag": tag})
        ecr.put_image(
            repositoryName="superset-image-0a1b2c3",
            imageManifest=manifest,
            imageTag=tag,
            imageManifestMediaType="application/vnd.docker.distribution.manifest.v2+json",
        )
    assert delete_images(ecr, "superset-image-0a1b2c3") == 2
    assert ecr.list_images(repositoryName="superset-image-0a1b2c3")["imageIds"] == []
    assert delete_images(ecr, "superset-image-0a1b2c3") == 0


def test_recovery_points_are_deleted_from_the_vault() -> None:
    # moto has no AWS Backup recovery points: botocore's stubber holds the calls to the API instead
    backup = boto3.client("backup", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    point = "arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-0a1b"
    with Stubber(backup) as stub:
        stub.add_response("list_recovery_points_by_backup_vault",
                          {"RecoveryPoints": [{"RecoveryPointArn": point}]}, {"BackupVaultName": "superset-backup-9f8e7d6"})  # fmt: skip
        stub.add_response("delete_recovery_point", {},
                          {"BackupVaultName": "superset-backup-9f8e7d6", "RecoveryPointArn": point})  # fmt: skip
        assert delete_recovery_points(backup, "superset-backup-9f8e7d6") == 1
        stub.assert_no_pending_responses()


IDENTIFIER = "superset-live-20261130-120000-metadata"


def test_the_final_snapshot_of_the_deleted_database_is_deleted(aws: Clients) -> None:
    rds = aws("rds")
    rds.create_db_instance(DBInstanceIdentifier=IDENTIFIER, Engine="postgres", DBInstanceClass="db.t4g.micro",
                           AllocatedStorage=20, MasterUsername="superset_admin", MasterUserPassword="not-used-1")  # fmt: skip
    rds.delete_db_instance(DBInstanceIdentifier=IDENTIFIER, FinalDBSnapshotIdentifier=f"{IDENTIFIER}-final",
                           DeleteAutomatedBackups=True)  # fmt: skip
    assert delete_database_leftovers(rds, IDENTIFIER) == [f"snapshot {IDENTIFIER}-final"]
    assert rds.describe_db_snapshots()["DBSnapshots"] == []
    assert delete_database_leftovers(rds, IDENTIFIER) == []  # nothing left: nothing to do


def test_retained_automated_backups_are_deleted() -> None:
    rds = boto3.client("rds", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    with Stubber(rds) as stub:
        stub.add_client_error("describe_db_snapshots", "DBSnapshotNotFound", http_status_code=404,
                              expected_params={"DBSnapshotIdentifier": f"{IDENTIFIER}-final"})  # fmt: skip
        stub.add_response("describe_db_instance_automated_backups",
                          {"DBInstanceAutomatedBackups": [{"DbiResourceId": "db-ABCDEFGHIJ"}]},
                          {"DBInstanceIdentifier": IDENTIFIER})  # fmt: skip
        stub.add_response("delete_db_instance_automated_backup", {}, {"DbiResourceId": "db-ABCDEFGHIJ"})
        assert delete_database_leftovers(rds, IDENTIFIER) == ["automated backups db-ABCDEFGHIJ"]
        stub.assert_no_pending_responses()


class Recorder:
    """A boto3 client standing in for one whose calls are tested above: records what it is asked."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers, self.asked = answers, []  # type: ignore[var-annotated]

    def __getattr__(self, operation: str) -> Any:
        return lambda **params: (self.asked.append((operation, params)), self.answers.get(operation, {}))[1]

    def get_paginator(self, operation: str) -> Any:
        recorder = self

        class Paginator:
            def paginate(self, **params: Any) -> list[Any]:
                recorder.asked.append((operation, params))
                return [recorder.answers[operation]]

        return Paginator()


def test_before_and_after_destroy_work_through_every_resource_of_the_stack() -> None:
    s3 = Recorder({"list_object_versions": {"Versions": [{"Key": "k", "VersionId": "v"}]}})
    ecr = Recorder({"list_images": {"imageIds": []}})
    backup = Recorder({"list_recovery_points_by_backup_vault": {"RecoveryPoints": []}})
    rds = Recorder({"describe_db_instance_automated_backups": {"DBInstanceAutomatedBackups": []}})
    rds.exceptions = type("Exceptions", (), {"DBSnapshotNotFoundFault": KeyError})  # type: ignore[attr-defined]
    teardown = Teardown(s3=s3, ecr=ecr, backup=backup, rds=rds)
    assert teardown.before_destroy(DEPLOYMENT) == [
        "bucket superset-storage-1a2b3c4: 1 versions", "bucket superset-alb-logs-5d6e7f8: 1 versions",
        "repository superset-image-0a1b2c3: 0 images", "vault superset-backup-9f8e7d6: 0 recovery points",
    ]  # fmt: skip
    assert teardown.after_destroy(DEPLOYMENT) == [f"snapshot {IDENTIFIER}-final"]
    assert ("delete_db_snapshot", {"DBSnapshotIdentifier": f"{IDENTIFIER}-final"}) in rds.asked
