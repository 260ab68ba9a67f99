"""Database: private, encrypted, TLS-only PostgreSQL whose data survives any delete."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack import office_hours
from superset_stack.aws.database import Database, DatabaseArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY = "arn:aws:kms:us-east-1:123456789012:key/stack"
INSTANCE = "aws:rds/instance:Instance"


def database(**overrides: Any) -> Callable[[], Database]:
    values: dict[str, Any] = {
        "identifier": "superset-test-metadata",
        "subnet_ids": ["subnet-a", "subnet-b"],
        "security_group_id": "sg-db",
        "kms_key_arn": KEY,
        "instance_class": "db.t4g.small",
        "parameter_group_family": "postgres18",
        "account_id": "123456789012",
        "region": "eu-west-1",
    }
    values.update(overrides)
    return lambda: Database("db", DatabaseArgs(**values))


def test_creates_exactly_these_resources(build: Build) -> None:
    mocks = build(database())
    assert Counter(mocks.types()) == Counter({
        "superset:database:Database": 1, "aws:rds/subnetGroup:SubnetGroup": 1,
        "aws:rds/parameterGroup:ParameterGroup": 1, "aws:cloudwatch/logGroup:LogGroup": 2,
        "aws:iam/role:Role": 1, "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1, INSTANCE: 1,
    })  # fmt: skip


def test_instance_security_and_durability_inputs(build: Build) -> None:
    mocks = build(database())
    (instance,) = mocks.inputs_of(INSTANCE)
    assert instance == {
        "identifier": "superset-test-metadata",
        "engine": "postgres",
        "engineVersion": "18",
        "instanceClass": "db.t4g.small",
        "allocatedStorage": 20,
        "maxAllocatedStorage": 100,
        "storageType": "gp3",
        "storageEncrypted": True,
        "kmsKeyId": KEY,
        "dbName": "superset",
        "username": "superset_admin",
        "manageMasterUserPassword": True,
        "masterUserSecretKmsKeyId": KEY,
        "port": 5432,
        "dbSubnetGroupName": "db",
        "vpcSecurityGroupIds": ["sg-db"],
        "parameterGroupName": "db",
        "publiclyAccessible": False,
        "multiAz": True,
        "deletionProtection": True,
        "backupRetentionPeriod": 14,
        "backupWindow": "03:00-04:00",
        "maintenanceWindow": "sun:04:30-sun:05:30",
        "copyTagsToSnapshot": True,
        "deleteAutomatedBackups": False,
        "skipFinalSnapshot": False,
        "finalSnapshotIdentifier": "superset-test-metadata-final",
        "performanceInsightsEnabled": True,
        "performanceInsightsKmsKeyId": KEY,
        "performanceInsightsRetentionPeriod": 7,
        "monitoringInterval": 60,
        "monitoringRoleArn": "arn:aws:iam:us-east-1:123456789012:db-monitoring",
        "enabledCloudwatchLogsExports": ["postgresql", "upgrade"],
        "autoMinorVersionUpgrade": True,
        "iamDatabaseAuthenticationEnabled": True,
        "caCertIdentifier": "rds-ca-rsa2048-g1",
        "applyImmediately": False,
    }
    assert "password" not in instance  # RDS generates and rotates it in its own secret


def test_protected_in_pulumi_and_waits_for_its_log_groups(build: Build) -> None:
    mocks = build(database())
    (instance,) = mocks.of_type(INSTANCE)
    assert instance.options["protect"] is True
    assert instance.options["dependsOn"] == [
        "aws:cloudwatch/logGroup:LogGroup::db-postgresql", "aws:cloudwatch/logGroup:LogGroup::db-upgrade"
    ]  # fmt: skip


def test_dev_shape_still_keeps_a_final_snapshot(build: Build) -> None:
    mocks = build(
        database(
            multi_az=False,
            deletion_protection=False,
            backup_retention_days=3,
            performance_insights=False,
            monitoring_interval_seconds=0,
            max_allocated_storage_gib=0,
        )
    )
    (instance,) = mocks.of_type(INSTANCE)
    assert instance.options["protect"] is False
    assert instance.inputs["skipFinalSnapshot"] is False
    assert instance.inputs["finalSnapshotIdentifier"] == "superset-test-metadata-final"
    assert instance.inputs["multiAz"] is False
    assert "performanceInsightsKmsKeyId" not in instance.inputs
    assert "maxAllocatedStorage" not in instance.inputs
    assert "monitoringRoleArn" not in instance.inputs
    assert mocks.of_type("aws:iam/role:Role") == []


def test_subnet_and_parameter_groups(build: Build) -> None:
    mocks = build(database())
    assert mocks.inputs_of("aws:rds/subnetGroup:SubnetGroup") == [{
        "description": "Private subnets of the superset-test-metadata metadata database",
        "subnetIds": ["subnet-a", "subnet-b"],
    }]  # fmt: skip
    (parameters,) = mocks.inputs_of("aws:rds/parameterGroup:ParameterGroup")
    assert parameters["family"] == "postgres18"
    assert parameters["parameters"] == [
        {"name": "rds.force_ssl", "value": "1"},
        {"name": "log_min_duration_statement", "value": "1000"},
    ]


def test_exported_logs_have_retention_and_encryption(build: Build) -> None:
    mocks = build(database(log_retention_days=30))
    assert mocks.inputs_of("aws:cloudwatch/logGroup:LogGroup") == [
        {"name": f"/aws/rds/instance/superset-test-metadata/{log}", "retentionInDays": 30, "kmsKeyId": KEY}
        for log in ("postgresql", "upgrade")
    ]


def test_monitoring_role_trusts_only_rds_monitoring_of_this_instance(build: Build) -> None:
    mocks = build(database())
    (role,) = mocks.inputs_of("aws:iam/role:Role")
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "monitoring.rds.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": "123456789012"},
                "ArnLike": {"aws:SourceArn": "arn:aws:rds:eu-west-1:123456789012:db:superset-test-metadata"},
            },
        }
    ]
    assert mocks.inputs_of("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == [{
        "role": "db-monitoring",
        "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    }]  # fmt: skip


def test_exposes_the_managed_secret_arn(build: Build) -> None:
    seen: list[str] = []

    def program() -> None:
        db = database()()
        db.master_user_secret_arn.apply(seen.append)

    build(program)
    assert seen == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db"]


def test_exposes_the_resource_id_iam_names_database_users_by(build: Build) -> None:
    seen: list[str] = []

    def program() -> None:
        database()().resource_id.apply(seen.append)

    build(program)
    assert seen == ["db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"]  # the recording mocks' DbiResourceId


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subnet_ids": ["subnet-a"]}, "subnet_ids must cover at least two zones, got 1 subnet"),
        ({"parameter_group_family": "postgres17"}, "parameter_group_family 'postgres17' does not match engine_version "
                                                   "'18'; expected postgres18"),
        ({"master_username": "postgres"}, "master_username 'postgres' is a well-known name"),
        ({"backup_retention_days": 0}, "backup_retention_days must be 1-35, got 0"),
        ({"allocated_storage_gib": 65537}, "allocated_storage_gib must be 20-65536 for gp3, got 65537"),
        ({"iops": 3000}, "gp3 below 400 GiB runs at 3000 IOPS and 125 MiBps and takes no other values; got iops "
                         "3000 and storage_throughput_mibps 0 for 20 GiB"),
        ({"allocated_storage_gib": 500, "iops": 3000}, "iops must be 12000-64000 for gp3 from 400 GiB, got 3000"),
        ({"allocated_storage_gib": 500, "storage_throughput_mibps": 125},
         "storage_throughput_mibps must be 500-4000 for gp3 from 400 GiB, got 125"),
        ({"allocated_storage_gib": 500, "storage_throughput_mibps": 4000},
         "storage_throughput_mibps 4000 needs at least 16000 iops (at most 0.25 MiBps per IOPS), got 12000"),
    ],
)  # fmt: skip
def test_rejects_bad_args(mocks: RecordingMocks, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        database(**overrides)()


@pytest.mark.parametrize(
    ("storage_gib", "asked", "sent"),
    [
        (399, {}, {}),  # RDS's fixed 3000 IOPS and 125 MiBps: nothing may be sent
        (400, {}, {"iops": 12000, "storageThroughput": 500}),  # the baseline, named so a modify carries it
        (1000, {"iops": 16000, "storage_throughput_mibps": 1000}, {"iops": 16000, "storageThroughput": 1000}),
    ],
)
def test_gp3_names_its_iops_and_throughput_from_400_gib(
    build: Build, storage_gib: int, asked: dict[str, int], sent: dict[str, int]
) -> None:
    mocks = build(database(allocated_storage_gib=storage_gib, max_allocated_storage_gib=0, **asked))
    (instance,) = mocks.inputs_of(INSTANCE)
    assert instance["allocatedStorage"] == storage_gib
    assert {key: instance[key] for key in ("iops", "storageThroughput") if key in instance} == sent


def test_office_hours_start_and_stop_the_instance_through_a_scoped_scheduler(build: Build) -> None:
    hours = office_hours.parse("MON-FRI 07:00-19:00")
    mocks = build(database(office_hours=hours, office_hours_timezone="Europe/Berlin"))
    (role,) = [r for r in mocks.of_type("aws:iam/role:Role") if r.name == "db-scheduler"]
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole",
        # Scheduler sends the schedule group's ARN, never the schedule's
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"},
                      "ArnLike": {"aws:SourceArn": "arn:aws:scheduler:eu-west-1:123456789012:schedule-group/default"}},
    }]  # fmt: skip
    (policy,) = mocks.inputs_of("aws:iam/rolePolicy:RolePolicy")
    assert json.loads(policy["policy"])["Statement"] == [{
        "Sid": "StartAndStopThisDatabase", "Effect": "Allow",
        "Action": ["rds:StartDBInstance", "rds:StopDBInstance"], "Resource": "arn:aws:rds:us-east-1:123456789012:db",
    }]  # fmt: skip
    schedules = {r.name: r.inputs for r in mocks.of_type("aws:scheduler/schedule:Schedule")}
    # half an hour before the tasks start, a quarter of an hour after they stop
    for action, api, expression in (("start", "startDBInstance", "cron(30 6 ? * MON-FRI *)"),
                                    ("stop", "stopDBInstance", "cron(15 19 ? * MON-FRI *)")):  # fmt: skip
        assert schedules[f"db-{action}"] == {
            "name": f"superset-test-metadata-{action}", "groupName": "default",
            "description": f"{action.capitalize()} superset-test-metadata for office hours",
            "scheduleExpression": expression, "scheduleExpressionTimezone": "Europe/Berlin",
            "flexibleTimeWindow": {"mode": "OFF"},
            "target": {
                "arn": f"arn:aws:scheduler:::aws-sdk:rds:{api}", "roleArn": "arn:aws:iam:us-east-1:123456789012:db-scheduler",
                "input": '{"DbInstanceIdentifier": "superset-test-metadata"}',
                "retryPolicy": {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600},
            },
        }  # fmt: skip
