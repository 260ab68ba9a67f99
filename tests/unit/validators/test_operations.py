"""Operations: log retention, secret recovery and rotation, alarm address, AWS Backup, snapshots kept."""

from __future__ import annotations

from dataclasses import replace

from superset_stack.validators import Problem
from superset_stack.validators.operations import (
    validate_alarm_email,
    validate_aws_backup,
    validate_retention,
    validate_secret_rotation,
    validate_snapshot_retention,
)
from tests.conftest import make_settings

DEV = make_settings("dev")


def test_log_retention_cloudwatch_rejects() -> None:
    (problem,) = validate_retention(replace(DEV, log_retention_days=42))
    assert problem.key == "logRetentionDays"
    assert problem.text.startswith("CloudWatch does not accept 42; allowed: 1, 3, 5, 7, 14, 30")


def test_secret_recovery_window() -> None:
    assert validate_retention(replace(DEV, secret_recovery_window_days=3)) == [
        Problem("secretRecoveryWindowDays", "must be 7-30, got 3")
    ]


def test_previous_secret_key_is_a_secret_arn() -> None:
    assert validate_secret_rotation(replace(DEV, previous_secret_key_secret_arn="superset/old-key")) == [
        Problem("previousSecretKeySecretArn", "not a Secrets Manager secret ARN, got 'superset/old-key'")
    ]
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:old-key-AbCdEf"
    assert validate_secret_rotation(replace(DEV, previous_secret_key_secret_arn=arn)) == []


def test_alarm_email() -> None:
    assert validate_alarm_email(replace(DEV, alarm_email="oncall")) == [
        Problem("alarmEmail", "not an e-mail address, got 'oncall'")
    ]
    assert validate_alarm_email(replace(DEV, alarm_email="oncall@example.com")) == []


class TestAwsBackup:
    def test_retention(self) -> None:
        assert validate_aws_backup(replace(DEV, backup_retention_days=0)) == [
            Problem("backupRetentionDays", "must be 1-36500, got 0")
        ]

    def test_copy_region_must_be_another_region(self) -> None:
        assert validate_aws_backup(replace(DEV, backup_copy_region="us-east-1")) == [
            Problem(
                "backupCopyRegion",
                "must differ from the stack's region us-east-1: a copy in the same region does not survive "
                "a regional outage",
            )
        ]
        assert validate_aws_backup(replace(DEV, backup_copy_region="Oregon")) == [
            Problem("backupCopyRegion", "not an AWS region name, got 'Oregon'")
        ]
        assert validate_aws_backup(replace(DEV, backup_copy_region="us-west-2")) == []


def test_snapshots_kept_are_at_least_the_new_one_and_within_the_quota() -> None:
    assert validate_snapshot_retention(DEV) == []  # 3 and 5 by default
    assert validate_snapshot_retention(
        replace(DEV, pre_deploy_snapshots_to_keep=0, manual_snapshots_to_keep=101)
    ) == [
        Problem("preDeploySnapshotsToKeep", "must be 1-100 (RDS's default quota of manual snapshots), got 0"),
        Problem("manualSnapshotsToKeep", "must be 1-100 (RDS's default quota of manual snapshots), got 101"),
    ]
    assert (
        validate_snapshot_retention(
            replace(DEV, pre_deploy_snapshots_to_keep=100, manual_snapshots_to_keep=1)
        )
        == []
    )
