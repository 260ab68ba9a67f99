"""Database: the Superset metadata database on RDS PostgreSQL.

Creates:
- a DB subnet group over the private subnets of at least two zones (RDS refuses fewer, even for a
  single-AZ instance);
- a parameter group that forces TLS (rds.force_ssl=1) and logs statements slower than a second;
- the CloudWatch log groups RDS exports to, created first so they carry retention and the stack
  key instead of RDS's never-expiring defaults;
- an Enhanced Monitoring role when monitoring is on;
- the instance: private, gp3 storage encrypted with the stack key (from 400 GiB with its IOPS and
  throughput set explicitly, see GP3_PROVISIONING_FROM_GIB), master password generated and
  rotated by RDS in its own secret (encrypted with the stack key), IAM authentication on, backups
  with non-overlapping windows, tags copied to snapshots, automated backups kept after deletion,
  Performance Insights on the stack key, postgresql and upgrade logs exported, automatic minor
  upgrades, and a final snapshot with a stable name whenever it is deleted. With deletion
  protection it is also protected in Pulumi, so `pulumi destroy` stops before it;
- with office hours, two EventBridge Scheduler schedules and their role, which may only start and
  stop this instance: start before the day begins, stop after it ends (no snapshot is taken).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from superset_stack.aws.iam import policy_document, service_role
from superset_stack.office_hours import OfficeHours
from superset_stack.settings import POSTGRES_PORT

LOG_EXPORTS: tuple[str, ...] = ("postgresql", "upgrade")
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
SLOW_STATEMENT_MS = 1000
SCHEDULE_GROUP = "default"  # the office-hours schedules' group, named in the scheduler role's trust
# gp3 for RDS PostgreSQL ("Amazon RDS DB instance storage", gp3 storage performance): below 400 GiB
# the volume runs at 3,000 IOPS and 125 MiBps and neither may be given; from 400 GiB the baseline is
# 12,000 IOPS and 500 MiBps, up to 64,000 IOPS and 4,000 MiBps, at most 0.25 MiBps per IOPS. A
# modify that grows storage past 400 GiB fails unless it names the new IOPS (the provider would send
# the old 3,000), so from there both are always set.
GP3_MAX_STORAGE_GIB = 65536
GP3_PROVISIONING_FROM_GIB = 400
GP3_BASELINE_IOPS, GP3_MAX_IOPS = 12_000, 64_000
GP3_BASELINE_THROUGHPUT_MIBPS, GP3_MAX_THROUGHPUT_MIBPS = 500, 4_000
GP3_MAX_MIBPS_PER_IOPS = 0.25


@dataclass(frozen=True, kw_only=True)
class DatabaseArgs:
    """Inputs for :class:`Database`.

    Attributes:
        identifier: RDS instance identifier (also names the log groups and the final snapshot).
        subnet_ids: Private subnets in at least two zones.
        security_group_id: Group of the database (accepts PostgreSQL from the app tasks only).
        kms_key_arn: Key for storage, the master-password secret, Performance Insights and logs.
        instance_class: RDS instance class, e.g. ``db.t4g.small``.
        parameter_group_family: e.g. ``postgres18``; must match engine_version.
        engine_version: PostgreSQL major version. Defaults to ``18``.
        allocated_storage_gib: Initial gp3 storage (20-65536). Defaults to 20.
        iops, storage_throughput_mibps: gp3 performance from 400 GiB (12000-64000 IOPS, 500-4000
            MiBps, at most 0.25 MiBps per IOPS); 0 is the baseline, 12000 IOPS and 500 MiBps. Below
            400 GiB RDS fixes them at 3000 and 125: leave them 0. Default to 0.
        max_allocated_storage_gib: Storage autoscaling ceiling; 0 turns it off. Defaults to 100.
        multi_az: Standby in another zone. Defaults to True.
        deletion_protection: Refuse deletion (and protect in Pulumi). Defaults to True.
        backup_retention_days: Automated backup retention. Defaults to 14.
        backup_window: Daily UTC window. Defaults to ``03:00-04:00``.
        maintenance_window: Weekly UTC window. Defaults to ``sun:04:30-sun:05:30``.
        performance_insights: Turn on Performance Insights (7 days). Defaults to True.
        monitoring_interval_seconds: Enhanced Monitoring interval; 0 is off. Defaults to 60.
        log_retention_days: Retention of the exported logs. Defaults to 365.
        database_name: Database Superset uses. Defaults to ``superset``.
        master_username: Master user (not ``postgres``). Defaults to ``superset_admin``.
        office_hours, office_hours_timezone: stop the instance outside these hours (an IANA zone).
            Defaults to always on.
        account_id, region, partition: where the instance lives; the roles RDS (Enhanced
            Monitoring) and the scheduler (office hours) assume trust only this account's instance
            and schedule group.
        role_boundary_arn: permissions boundary (managed policy ARN) of those two roles. Defaults
            to none.
    """

    identifier: str
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    instance_class: str
    parameter_group_family: str
    engine_version: str = "18"
    allocated_storage_gib: int = 20
    iops: int = 0
    storage_throughput_mibps: int = 0
    max_allocated_storage_gib: int = 100
    multi_az: bool = True
    deletion_protection: bool = True
    backup_retention_days: int = 14
    backup_window: str = "03:00-04:00"
    maintenance_window: str = "sun:04:30-sun:05:30"
    performance_insights: bool = True
    monitoring_interval_seconds: int = 60
    log_retention_days: int = 365
    database_name: str = "superset"
    master_username: str = "superset_admin"
    office_hours: OfficeHours | None = None
    office_hours_timezone: str = "UTC"
    account_id: pulumi.Input[str]
    region: str
    partition: pulumi.Input[str] = "aws"
    role_boundary_arn: str | None = None


def _validate(args: DatabaseArgs) -> None:
    """Two zones at least, a backup retention RDS accepts, a master user name that is not a
    well-known one, a parameter group family of the engine version."""
    if len(args.subnet_ids) < 2:
        raise ValueError(f"subnet_ids must cover at least two zones, got {len(args.subnet_ids)} subnet(s)")
    if not 1 <= args.backup_retention_days <= 35:
        raise ValueError(f"backup_retention_days must be 1-35, got {args.backup_retention_days}")
    if args.master_username in ("postgres", "admin", "rdsadmin"):
        raise ValueError(f"master_username {args.master_username!r} is a well-known name; pick another")
    major = args.engine_version.split(".")[0]
    if args.parameter_group_family != f"postgres{major}":
        raise ValueError(
            f"parameter_group_family {args.parameter_group_family!r} does not match "
            f"engine_version {args.engine_version!r}; expected postgres{major}"
        )
    gp3_performance(args.allocated_storage_gib, args.iops, args.storage_throughput_mibps)


def gp3_performance(
    storage_gib: int, iops: int = 0, throughput_mibps: int = 0
) -> tuple[int | None, int | None]:
    """The (IOPS, MiBps) to give RDS for a gp3 volume of `storage_gib`: none below 400 GiB (RDS
    refuses them there), else the values asked for or the baseline. ValueError when RDS would refuse
    the combination (see GP3_PROVISIONING_FROM_GIB)."""
    if not 20 <= storage_gib <= GP3_MAX_STORAGE_GIB:
        raise ValueError(f"allocated_storage_gib must be 20-{GP3_MAX_STORAGE_GIB} for gp3, got {storage_gib}")
    if storage_gib < GP3_PROVISIONING_FROM_GIB:
        if iops or throughput_mibps:
            raise ValueError(
                f"gp3 below {GP3_PROVISIONING_FROM_GIB} GiB runs at 3000 IOPS and 125 MiBps and takes no "
                f"other values; got iops {iops} and storage_throughput_mibps {throughput_mibps} for "
                f"{storage_gib} GiB"
            )
        return None, None
    iops = iops or GP3_BASELINE_IOPS
    throughput_mibps = throughput_mibps or GP3_BASELINE_THROUGHPUT_MIBPS
    if not GP3_BASELINE_IOPS <= iops <= GP3_MAX_IOPS:
        raise ValueError(f"iops must be {GP3_BASELINE_IOPS}-{GP3_MAX_IOPS} for gp3 from 400 GiB, got {iops}")
    if not GP3_BASELINE_THROUGHPUT_MIBPS <= throughput_mibps <= GP3_MAX_THROUGHPUT_MIBPS:
        raise ValueError(
            f"storage_throughput_mibps must be {GP3_BASELINE_THROUGHPUT_MIBPS}-{GP3_MAX_THROUGHPUT_MIBPS} "
            f"for gp3 from 400 GiB, got {throughput_mibps}"
        )
    if throughput_mibps > iops * GP3_MAX_MIBPS_PER_IOPS:
        needed = math.ceil(throughput_mibps / GP3_MAX_MIBPS_PER_IOPS)
        raise ValueError(
            f"storage_throughput_mibps {throughput_mibps} needs at least {needed} iops "
            f"(at most {GP3_MAX_MIBPS_PER_IOPS} MiBps per IOPS), got {iops}"
        )
    return iops, throughput_mibps


class Database(pulumi.ComponentResource):
    """An encrypted, private RDS PostgreSQL instance with managed credentials."""

    address: pulumi.Output[str]
    port: int
    database_name: str
    master_username: str
    master_user_secret_arn: pulumi.Output[str]
    instance_identifier: str
    instance_arn: pulumi.Output[str]
    resource_id: pulumi.Output[str]  # DbiResourceId: IAM database authentication names users by it

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:database:Database", name, None, opts)
        _validate(args)
        subnet_group = aws.rds.SubnetGroup(
            name,
            description=f"Private subnets of the {args.identifier} metadata database",
            subnet_ids=list(args.subnet_ids),
            opts=pulumi.ResourceOptions(parent=self),
        )
        parameter_group = self._parameter_group(name, args)
        log_groups = self._log_groups(name, args)
        monitoring_role = self._monitoring_role(name, args) if args.monitoring_interval_seconds else None
        instance = self._instance(
            name,
            args,
            subnet_group=subnet_group,
            parameter_group=parameter_group,
            log_groups=log_groups,
            monitoring_role=monitoring_role,
        )
        if args.office_hours is not None:
            self._schedule(name, args, instance)

        self.address = instance.address
        self.port = POSTGRES_PORT
        self.database_name = args.database_name
        self.master_username = args.master_username
        self.master_user_secret_arn = instance.master_user_secrets.apply(
            lambda secrets: secrets[0].secret_arn
        )
        self.instance_identifier = args.identifier
        self.instance_arn = instance.arn
        self.resource_id = instance.resource_id
        self.register_outputs({
            "address": self.address,
            "port": self.port,
            "database_name": self.database_name,
            "master_username": self.master_username,
            "master_user_secret_arn": self.master_user_secret_arn,
            "instance_identifier": self.instance_identifier,
            "instance_arn": self.instance_arn,
            "resource_id": self.resource_id,
        })  # fmt: skip

    def _parameter_group(self, name: str, args: DatabaseArgs) -> aws.rds.ParameterGroup:
        """The parameter group: TLS required, statements slower than SLOW_STATEMENT_MS logged."""
        return aws.rds.ParameterGroup(
            name,
            family=args.parameter_group_family,
            description=f"{args.identifier}: TLS required, slow statements logged",
            parameters=[
                {"name": "rds.force_ssl", "value": "1"},
                {"name": "log_min_duration_statement", "value": str(SLOW_STATEMENT_MS)},
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _log_groups(self, name: str, args: DatabaseArgs) -> list[aws.cloudwatch.LogGroup]:
        """One log group per export in LOG_EXPORTS, with retention and the stack key, under the name
        RDS writes to (/aws/rds/instance/<identifier>/<log>)."""
        return [
            aws.cloudwatch.LogGroup(
                f"{name}-{log}",
                name=f"/aws/rds/instance/{args.identifier}/{log}",
                retention_in_days=args.log_retention_days,
                kms_key_id=args.kms_key_arn,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for log in LOG_EXPORTS
        ]

    def _monitoring_role(self, name: str, args: DatabaseArgs) -> aws.iam.Role:
        """The Enhanced Monitoring role, with AWS's managed policy for it, for this instance only."""
        child = pulumi.ResourceOptions(parent=self)
        instance_arn = pulumi.Output.format(
            "arn:{0}:rds:{1}:{2}:db:{3}", args.partition, args.region, args.account_id, args.identifier
        )
        role = service_role(
            f"{name}-monitoring",
            service="monitoring.rds.amazonaws.com",
            description=f"Enhanced Monitoring for {args.identifier}",
            account_id=args.account_id,
            source_arn=instance_arn,
            permissions_boundary=args.role_boundary_arn,
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-monitoring",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
            opts=child,
        )
        return role

    def _instance(
        self,
        name: str,
        args: DatabaseArgs,
        *,
        subnet_group: aws.rds.SubnetGroup,
        parameter_group: aws.rds.ParameterGroup,
        log_groups: list[aws.cloudwatch.LogGroup],
        monitoring_role: aws.iam.Role | None,
    ) -> aws.rds.Instance:
        """The instance, created after its log groups (so RDS finds them instead of making its own);
        with deletion protection also protected in Pulumi."""
        iops, throughput_mibps = gp3_performance(
            args.allocated_storage_gib, args.iops, args.storage_throughput_mibps
        )
        return aws.rds.Instance(
            name,
            identifier=args.identifier,
            engine="postgres",
            engine_version=args.engine_version,
            instance_class=args.instance_class,
            allocated_storage=args.allocated_storage_gib,
            max_allocated_storage=args.max_allocated_storage_gib or None,
            storage_type="gp3",
            iops=iops,
            storage_throughput=throughput_mibps,
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            db_name=args.database_name,
            username=args.master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.kms_key_arn,
            port=POSTGRES_PORT,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[args.security_group_id],
            parameter_group_name=parameter_group.name,
            publicly_accessible=False,
            multi_az=args.multi_az,
            deletion_protection=args.deletion_protection,
            backup_retention_period=args.backup_retention_days,
            backup_window=args.backup_window,
            maintenance_window=args.maintenance_window,
            copy_tags_to_snapshot=True,
            delete_automated_backups=False,
            skip_final_snapshot=False,
            # Stable, so a plan never changes by itself; a second delete with the same name fails
            # instead of overwriting, which is the safe direction.
            final_snapshot_identifier=f"{args.identifier}-final",
            performance_insights_enabled=args.performance_insights,
            performance_insights_kms_key_id=args.kms_key_arn if args.performance_insights else None,
            performance_insights_retention_period=7 if args.performance_insights else None,
            monitoring_interval=args.monitoring_interval_seconds,
            monitoring_role_arn=monitoring_role.arn if monitoring_role is not None else None,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            auto_minor_version_upgrade=True,
            iam_database_authentication_enabled=True,
            ca_cert_identifier=CA_CERTIFICATE,
            apply_immediately=False,
            opts=pulumi.ResourceOptions(parent=self, depends_on=log_groups, protect=args.deletion_protection),
        )

    def _schedule(self, name: str, args: DatabaseArgs, instance: aws.rds.Instance) -> None:
        """Start and stop the instance around office hours through EventBridge Scheduler, with a role
        only the schedules of this account's group may use (Scheduler sends the group's ARN)."""
        assert args.office_hours is not None
        child = pulumi.ResourceOptions(parent=self)
        group_arn = pulumi.Output.format(
            "arn:{0}:scheduler:{1}:{2}:schedule-group/{3}",
            args.partition,
            args.region,
            args.account_id,
            SCHEDULE_GROUP,
        )
        role = service_role(
            f"{name}-scheduler",
            service="scheduler.amazonaws.com",
            description="EventBridge Scheduler starts and stops the Superset metadata database",
            account_id=args.account_id,
            source_arn=group_arn,
            permissions_boundary=args.role_boundary_arn,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-scheduler",
            role=role.id,
            policy=policy_document([{
                "Sid": "StartAndStopThisDatabase",
                "Effect": "Allow",
                "Action": ["rds:StartDBInstance", "rds:StopDBInstance"],
                "Resource": instance.arn,
            }]),
            opts=child,
        )  # fmt: skip
        for action, api, expression in (
            ("start", "startDBInstance", args.office_hours.database_start),
            ("stop", "stopDBInstance", args.office_hours.database_stop),
        ):
            aws.scheduler.Schedule(
                f"{name}-{action}",
                name=f"{args.identifier}-{action}",
                group_name=SCHEDULE_GROUP,
                description=f"{action.capitalize()} {args.identifier} for office hours",
                schedule_expression=expression,
                schedule_expression_timezone=args.office_hours_timezone,
                flexible_time_window={"mode": "OFF"},
                target={
                    "arn": pulumi.Output.concat("arn:", args.partition, ":scheduler:::aws-sdk:rds:", api),
                    "role_arn": role.arn,
                    "input": json.dumps({"DbInstanceIdentifier": args.identifier}),
                    "retry_policy": {"maximum_retry_attempts": 3, "maximum_event_age_in_seconds": 3600},
                },
                opts=pulumi.ResourceOptions(parent=self, depends_on=[instance]),
            )
