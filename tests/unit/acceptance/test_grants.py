"""The acceptance role's call table: every AWS call the live test's checks and teardown make is
allowed by the deploy policies or by ACCEPTANCE, and ACCEPTANCE holds nothing else."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import boto3
from botocore.stub import Stubber

from superset_stack.acceptance.checks import alarm_state, check_migration, secret_value
from superset_stack.acceptance.grants import ACCEPTANCE
from superset_stack.acceptance.run import stack_name
from superset_stack.acceptance.teardown import (
    delete_database_leftovers,
    delete_images,
    delete_recovery_points,
    empty_bucket,
)
from superset_stack.bootstrap.permissions import read_statement, write_statements
from superset_stack.ops.grants import granted
from tests.unit.acceptance.conftest import Clients
from tests.unit.acceptance.test_checks import (
    TOPIC,
    _eni_dns_names,  # noqa: F401  (autouse: moto's Fargate networking)
    alarm,
    migration_run,
)
from tests.unit.ops.conftest import STARTED

IDENTIFIER = f"superset-{stack_name(STARTED)}-metadata"


def deploy_allows(action: str) -> bool:
    """Whether the deploy role's Resource-* statements (read, write) allow `action`."""
    return any(
        fnmatchcase(action, pattern)
        for statement in [read_statement(), *write_statements()]
        for pattern in statement["Action"]
    )


def checks(aws: Clients) -> None:
    """What the live test checks: the admin password, the alarm's state, the migration's exit."""
    secrets = aws("secretsmanager")
    arn = secrets.create_secret(Name="rds!db-1", SecretString=json.dumps({"password": "p"}))["ARN"]
    secret_value(secrets, arn, "password")
    alarm(aws("cloudwatch"), "superset-ops-unhealthy-hosts-0f1e2d3")
    alarm_state(aws("cloudwatch"), topic_arn=TOPIC, name_prefix="superset-ops-unhealthy-hosts-")
    cluster, definition = migration_run(aws, 0)
    check_migration(aws("ecs"), cluster=cluster, task_definition_arn=definition)


def teardown(aws: Clients) -> None:
    """What the teardown deletes: object versions, images, recovery points, the final snapshot and
    retained automated backups (the last two through botocore's stubber: moto has neither)."""
    s3, ecr, rds = aws("s3"), aws("ecr"), aws("rds")
    s3.create_bucket(Bucket="superset-storage-1a2b3c4")
    s3.put_bucket_versioning(Bucket="superset-storage-1a2b3c4", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="superset-storage-1a2b3c4", Key="k", Body=b"v")
    empty_bucket(s3, "superset-storage-1a2b3c4")
    ecr.create_repository(repositoryName="superset-image-0a1b2c3")
    ecr.put_image(repositoryName="superset-image-0a1b2c3", imageManifest=json.dumps({"schemaVersion": 2}),
                  imageTag="runtime-1", imageManifestMediaType="application/vnd.docker.distribution.manifest.v2+json")  # fmt: skip
    delete_images(ecr, "superset-image-0a1b2c3")
    rds.create_db_instance(DBInstanceIdentifier=IDENTIFIER, Engine="postgres", DBInstanceClass="db.t4g.micro",
                           AllocatedStorage=20, MasterUsername="superset_admin", MasterUserPassword="not-used-1")  # fmt: skip
    rds.delete_db_instance(DBInstanceIdentifier=IDENTIFIER, FinalDBSnapshotIdentifier=f"{IDENTIFIER}-final")
    offline = {"region_name": "us-east-1", "aws_access_key_id": "t", "aws_secret_access_key": "t"}
    backup, retained = boto3.client("backup", **offline), boto3.client("rds", **offline)
    point = "arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-0a1b"
    with Stubber(backup) as vault, Stubber(retained) as leftovers:
        vault.add_response(
            "list_recovery_points_by_backup_vault", {"RecoveryPoints": [{"RecoveryPointArn": point}]}
        )
        vault.add_response("delete_recovery_point", {})
        delete_recovery_points(backup, "superset-backup-9f8e7d6")
        leftovers.add_client_error("describe_db_snapshots", "DBSnapshotNotFound", http_status_code=404)
        leftovers.add_response("describe_db_instance_automated_backups",
                               {"DBInstanceAutomatedBackups": [{"DbiResourceId": "db-ABCDEFGHIJ"}]})  # fmt: skip
        leftovers.add_response("delete_db_instance_automated_backup", {})
        delete_database_leftovers(retained, IDENTIFIER)
    delete_database_leftovers(rds, IDENTIFIER)  # the final snapshot, in moto


def test_every_call_of_the_checks_and_the_teardown_is_allowed_and_the_table_holds_only_what_deploy_lacks(
    aws: Clients, api_calls: set[str]
) -> None:
    checks(aws)
    teardown(aws)
    assert {"s3:DeleteObjectVersion", "rds:DeleteDBSnapshot", "backup:DeleteRecoveryPoint"} <= api_calls
    assert sorted(a for a in api_calls if not deploy_allows(a) and a not in granted(ACCEPTANCE)) == [], (
        "add these to acceptance/grants.py ACCEPTANCE"
    )
    assert sorted(granted(ACCEPTANCE) - {a for a in api_calls if not deploy_allows(a)}) == [], (
        "the deploy policies allow these already, or nothing calls them"
    )


def test_the_teardown_reaches_throw_away_stacks_by_their_stack_tag() -> None:
    scoped = {grant.sid: grant.condition for grant in ACCEPTANCE}
    throw_away: Any = {"StringLike": {"aws:ResourceTag/Stack": "live-*"}}
    assert (
        scoped["EmptyOnlyThrowAwayRepositories"] == scoped["DeleteOnlyThrowAwayRecoveryPoints"] == throw_away
    )
    assert stack_name(STARTED).startswith("live-")
