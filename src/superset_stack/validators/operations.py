"""Operations: log retention, secret recovery and rotation, the alarm address, AWS Backup's
retention and disaster-recovery copy, and how many manual snapshots the day-2 tooling keeps."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from superset_stack import sizing
from superset_stack.validators._problem import Problem

if TYPE_CHECKING:
    from superset_stack.settings import Settings


def validate_retention(s: Settings) -> list[Problem]:
    """Log retention CloudWatch accepts, and a secret recovery window Secrets Manager accepts."""
    problems = []
    if s.log_retention_days not in sizing.CLOUDWATCH_RETENTION_DAYS:
        problems.append(
            Problem(
                "logRetentionDays",
                f"CloudWatch does not accept {s.log_retention_days}; allowed: "
                f"{', '.join(map(str, sizing.CLOUDWATCH_RETENTION_DAYS))}",
            )
        )
    if not 7 <= s.secret_recovery_window_days <= 30:
        problems.append(
            Problem("secretRecoveryWindowDays", f"must be 7-30, got {s.secret_recovery_window_days}")
        )
    return problems


def validate_secret_rotation(s: Settings) -> list[Problem]:
    """During a SECRET_KEY rotation, the old key's secret is a Secrets Manager ARN."""
    if s.previous_secret_key_secret_arn and not re.fullmatch(
        r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+",
        s.previous_secret_key_secret_arn,
    ):
        return [
            Problem(
                "previousSecretKeySecretArn",
                f"not a Secrets Manager secret ARN, got {s.previous_secret_key_secret_arn!r}",
            )
        ]
    return []


def validate_alarm_email(s: Settings) -> list[Problem]:
    """The address subscribed to the alarm topic, when given, looks like one."""
    if s.alarm_email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", s.alarm_email):
        return [Problem("alarmEmail", f"not an e-mail address, got {s.alarm_email!r}")]
    return []


def validate_aws_backup(s: Settings) -> list[Problem]:
    """AWS Backup retention in range, and a copy region that is a region other than the stack's."""
    problems = []
    if not 1 <= s.backup_retention_days <= 36500:
        problems.append(Problem("backupRetentionDays", f"must be 1-36500, got {s.backup_retention_days}"))
    if s.backup_copy_region and not re.fullmatch(r"[a-z]{2}(-gov)?-[a-z]+-\d+", s.backup_copy_region):
        problems.append(Problem("backupCopyRegion", f"not an AWS region name, got {s.backup_copy_region!r}"))
    elif s.backup_copy_region == s.region:
        problems.append(
            Problem(
                "backupCopyRegion",
                f"must differ from the stack's region {s.region}: a copy in the same region "
                "does not survive a regional outage",
            )
        )
    return problems


# RDS allows 100 manual snapshots per region by default (a quota that can be raised); one stack's
# tool-made snapshots of either kind stay below it.
SNAPSHOTS_TO_KEEP_RANGE = (1, 100)


def validate_snapshot_retention(s: Settings) -> list[Problem]:
    """The pre-deploy and manual snapshots kept: at least the one just taken, at most the quota."""
    low, high = SNAPSHOTS_TO_KEEP_RANGE
    return [
        Problem(key, f"must be {low}-{high} (RDS's default quota of manual snapshots), got {value}")
        for key, value in (
            ("preDeploySnapshotsToKeep", s.pre_deploy_snapshots_to_keep),
            ("manualSnapshotsToKeep", s.manual_snapshots_to_keep),
        )
        if not low <= value <= high
    ]
