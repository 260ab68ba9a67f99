"""Backup: AWS Backup for the metadata database, and its events to the alarm topic.

Creates a backup vault encrypted with the stack key, a daily plan whose retention comes from the
environment, a role AWS Backup assumes (its AWS-managed backup and restore policies), a selection
holding the database instance, and an EventBridge rule that sends the instance's availability,
deletion, failover, failure, low-storage, maintenance, notification, recovery and restoration
events to the alarm topic, less the ones `quiet_event_ids` names (the scheduled stop and start of
office hours). These backups sit beside RDS's own automated backups and point-in-time recovery, and
survive the instance's deletion. With a copy region, every recovery point is also copied to a vault
there, encrypted with a rotating key of that region, for disaster recovery.

The events go through EventBridge rather than an RDS event subscription because the topic is
encrypted: AWS documents the key policy an EventBridge rule needs to publish to such a topic, and
says nothing of RDS event subscriptions (the policies are in observability.py and secrets.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from superset_stack.aws.iam import service_role

RDS_EVENT_CATEGORIES = (
    "availability",
    "deletion",
    "failover",
    "failure",
    "low storage",
    "maintenance",
    "notification",
    "recovery",
    "restoration",
)
# RDS-EVENT-0087 (stopped) and RDS-EVENT-0088 (started), "notification": with office hours they come
# twice every office day and mean nothing went wrong. (RDS-EVENT-0154, started after seven days
# stopped, still pages.)
SCHEDULED_STOP_AND_START = ("RDS-EVENT-0087", "RDS-EVENT-0088")
BACKUP_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)


# Daily at 02:00 UTC, before the RDS backup window (settings' dbBackupWindow default 03:00-04:00).
BACKUP_SCHEDULE = "cron(0 2 * * ? *)"


@dataclass(frozen=True, kw_only=True)
class BackupArgs:
    """Inputs for :class:`Backup`.

    Attributes:
        kms_key_arn: key of the vault.
        database_arn: the RDS instance to back up.
        database_identifier: its identifier (names the event rule ``<identifier>-events``).
        topic_arn: SNS topic for database events.
        quiet_event_ids: RDS event IDs that do not reach the topic, e.g. SCHEDULED_STOP_AND_START.
            Defaults to none.
        retention_days: days a backup is kept. Defaults to 35.
        schedule: cron expression. Defaults to ``cron(0 2 * * ? *)`` (02:00, before the RDS backup window).
        schedule_timezone: IANA zone of the schedule. Defaults to UTC. (A database stopped outside
            office hours cannot be backed up: schedule inside them.)
        copy_region: region that receives a copy of each recovery point. Defaults to none.
        account_id, partition: the account whose AWS Backup may assume the role, and that
            administers the copy region's key (with copy_region).
        tags: default tags for the copy region's provider (the stack provider's do not carry over).
        role_boundary_arn: permissions boundary (managed policy ARN) of the backup role. Defaults
            to none.
    """

    kms_key_arn: pulumi.Input[str]
    database_arn: pulumi.Input[str]
    database_identifier: str
    topic_arn: pulumi.Input[str]
    quiet_event_ids: Sequence[str] = ()
    retention_days: int = 35
    schedule: str = BACKUP_SCHEDULE
    schedule_timezone: str = "UTC"
    copy_region: str = ""
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str] = "aws"
    tags: Mapping[str, str] = field(default_factory=dict)
    role_boundary_arn: str | None = None


class Backup(pulumi.ComponentResource):
    """Daily AWS Backup of the database into an encrypted vault, plus database events."""

    vault_name: pulumi.Output[str]
    copy_region: str
    plan_id: pulumi.Output[str]

    def __init__(self, name: str, args: BackupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:backup:Backup", name, None, opts)
        if not 1 <= args.retention_days <= 36500:
            raise ValueError(f"retention_days must be 1-36500, got {args.retention_days}")
        child = pulumi.ResourceOptions(parent=self)

        vault = aws.backup.Vault(name, kms_key_arn=args.kms_key_arn, force_destroy=False, opts=child)
        rule: dict[str, Any] = {
            "rule_name": "daily",
            "target_vault_name": vault.name,
            "schedule": args.schedule,
            "schedule_expression_timezone": args.schedule_timezone,
            "start_window": 60,
            "completion_window": 360,
            "lifecycle": {"delete_after": args.retention_days},
        }
        if args.copy_region:
            copy_vault = self._copy_vault(name, args)
            rule["copy_actions"] = [
                {"destination_vault_arn": copy_vault.arn, "lifecycle": {"delete_after": args.retention_days}}
            ]
        plan = aws.backup.Plan(name, rules=[rule], opts=child)
        role = service_role(
            f"{name}-role",
            service="backup.amazonaws.com",
            description="AWS Backup backs up and restores the Superset metadata database",
            account_id=args.account_id,
            # AWS Backup documents no aws:SourceArn for the role it assumes (aws/iam.py)
            source_arn=None,
            permissions_boundary=args.role_boundary_arn,
            opts=child,
        )
        for index, policy_arn in enumerate(BACKUP_POLICIES):
            aws.iam.RolePolicyAttachment(
                f"{name}-role-{index}", role=role.name, policy_arn=policy_arn, opts=child
            )
        aws.backup.Selection(
            f"{name}-database",
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=[args.database_arn],
            opts=child,
        )
        self._database_events(name, args)

        self.copy_region = args.copy_region
        self.vault_name = vault.name
        self.plan_id = plan.id
        self.register_outputs({"vault_name": self.vault_name, "plan_id": self.plan_id})

    def _database_events(self, name: str, args: BackupArgs) -> None:
        """The rule `<identifier>-events` and its target: matching events reach the topic as one line
        each, "<instance> at <time>: <message> (<event ID>)"."""
        child = pulumi.ResourceOptions(parent=self)
        rule = aws.cloudwatch.EventRule(
            f"{name}-database-events",
            name=f"{args.database_identifier}-events",
            description=f"Events of the {args.database_identifier} database to the alarm topic",
            event_pattern=pulumi.Output.json_dumps(
                database_event_pattern(args.database_arn, args.quiet_event_ids)
            ),
            state="ENABLED",
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-database-events",
            rule=rule.name,
            arn=args.topic_arn,
            input_transformer={
                "input_paths": {
                    "database": "$.detail.SourceIdentifier",
                    "time": "$.time",
                    "message": "$.detail.Message",
                    "event": "$.detail.EventID",
                },
                "input_template": '"<database> at <time>: <message> (<event>)"',
            },
            opts=child,
        )

    def _copy_vault(self, name: str, args: BackupArgs) -> aws.backup.Vault:
        """A vault in the copy region, on a rotating key of that region that the account administers."""
        provider = aws.Provider(
            f"{name}-copy-region",
            region=args.copy_region,
            default_tags={"tags": dict(args.tags)},
            opts=pulumi.ResourceOptions(parent=self),
        )
        in_copy_region = pulumi.ResourceOptions(parent=self, provider=provider)
        administrator = pulumi.Output.format("arn:{0}:iam::{1}:root", args.partition, args.account_id)
        key = aws.kms.Key(
            f"{name}-copy",
            description=f"Encrypts the {name} backup copies in {args.copy_region}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AccountAdministersTheKey",
                            "Effect": "Allow",
                            "Principal": {"AWS": administrator},
                            "Action": "kms:*",
                            "Resource": "*",
                        }
                    ],
                }
            ),
            opts=in_copy_region,
        )
        return aws.backup.Vault(f"{name}-copy", kms_key_arn=key.arn, force_destroy=False, opts=in_copy_region)


def database_event_pattern(
    database_arn: pulumi.Input[str], quiet_event_ids: Sequence[str] = ()
) -> dict[str, Any]:
    """EventBridge pattern: the instance's RDS events in RDS_EVENT_CATEGORIES, less quiet_event_ids.

    RDS sends them as "RDS DB Instance Event" from aws.rds, the instance's ARN in `resources`, its
    categories in detail.EventCategories and the event's ID (RDS-EVENT-nnnn) in detail.EventID.
    """
    detail: dict[str, Any] = {"EventCategories": list(RDS_EVENT_CATEGORIES)}
    if quiet_event_ids:
        detail["EventID"] = [{"anything-but": list(quiet_event_ids)}]
    return {
        "source": ["aws.rds"],
        "detail-type": ["RDS DB Instance Event"],
        "resources": [database_arn],
        "detail": detail,
    }
