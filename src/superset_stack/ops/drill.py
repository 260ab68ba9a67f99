"""The DR drill: restore the newest backup into a scratch instance, prove Superset can use it, measure.

1. Find the stack: its metadata instance (subnet group, security groups, parameter group, CA, class,
   master secret), the newest available automated or AWS Backup snapshot, the migration task and
   where it runs. Scratch instances an earlier drill left behind (a killed run) are deleted first.
2. Restore the snapshot into `<prefix>-drill-<UTC timestamp>`: the stack's subnet group, security
   groups and parameter group (TLS forced), single-AZ, private, no deletion protection, tagged as the
   drill's; wait until available.
3. Give the copy the current master password from the RDS-managed secret (the snapshot keeps the
   one of its day, and RDS rotates the secret weekly), so that the task's secret fits.
4. Run the migration task definition with the command `verify` and DATABASE_HOST set to the copy
   (runtime/verify.py: schema at the image's head, every table read, stored secrets decrypt,
   counts) and read its result line from the task's log.
5. Always delete the scratch instance, skipping the final snapshot: after success, failure, Ctrl-C
   or SIGTERM alike.

RPO is the age of the restored snapshot when the drill started; RTO the time from the start to a
verified copy. Both, the steps and the verification's counts go into the report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from superset_stack.ops.names import PURPOSE_TAG, StackNames
from superset_stack.ops.report import Report
from superset_stack.ops.session import Aws, OpsError, error_code
from superset_stack.ops.snapshots import find_instance, newest_restore_point
from superset_stack.ops.tasks import TaskOutcome, TaskTarget, migration_target, result_line, run_task
from superset_stack.ops.waiting import Clock, Progress, Wait, wait_for
from superset_stack.runtime.verify import MARKER

STARTED_BY = "superset-stack-dr-drill"
RESTORE_FAILED = (
    "failed", "incompatible-restore", "incompatible-parameters", "incompatible-network", "storage-full",
    "inaccessible-encryption-credentials", "restore-error",
)  # fmt: skip
RESTORE_WAIT = Wait(poll_seconds=20, timeout_seconds=3600)
DELETE_WAIT = Wait(poll_seconds=20, timeout_seconds=1800)
SUMMARY = ("revision", "head", "counts", "tables_read", "encrypted_columns")  # of the result line


@dataclass(frozen=True, kw_only=True)
class DrillOptions:
    """Choices for one drill.

    Attributes:
        instance_class: class of the scratch instance. Defaults to the source's.
        restore_wait, delete_wait: how long to wait for the copy, and to be able to delete it.
    """

    instance_class: str | None = None
    restore_wait: Wait = RESTORE_WAIT
    delete_wait: Wait = DELETE_WAIT


def run_drill(
    aws: Aws, names: StackNames, report: Report, *, options: DrillOptions, progress: Progress
) -> None:
    """Run the drill, filling `report`; raises OpsError (or KeyboardInterrupt) after the cleanup."""
    Drill(aws, names, report, options, progress).run()


@dataclass
class Drill:
    """One drill: the stack's clients and names, the report it fills, its options."""

    aws: Aws
    names: StackNames
    report: Report
    options: DrillOptions
    progress: Progress

    @property
    def rds(self) -> Any:
        return self.aws.client("rds")

    def run(self) -> None:
        report = self.report
        with report.step("find the stack") as step:
            source = find_instance(self.rds, self.names.database_identifier)
            point = newest_restore_point(self.rds, self.names.database_identifier)
            target = migration_target(
                self.aws.client("ecs"), self.aws.client("resourcegroupstaggingapi"), self.names
            )
            leftovers = delete_leftovers(self.rds, self.names)
            step.detail = f"restore point {point['DBSnapshotIdentifier']}" + (
                f"; deleted leftover scratch instances {', '.join(leftovers)}" if leftovers else ""
            )
        created = point["SnapshotCreateTime"]
        scratch = self.names.timestamped("drill", report.started)
        report.facts |= {
            "restore_point": point["DBSnapshotIdentifier"],
            "restore_point_type": point["SnapshotType"],
            "restore_point_created": created.isoformat(),
            "rpo_seconds": round((report.started - created).total_seconds()),
            "scratch_instance": scratch,
        }
        try:
            with report.step("restore the snapshot") as step:
                restored = self.restore(source, point, scratch)
                step.detail = (
                    f"{scratch} ({restored['DBInstanceClass']}) from {point['DBSnapshotIdentifier']}"
                )
            report.facts["restore_seconds"] = step.seconds
            with report.step("set the current master password") as step:
                step.detail = self.set_password(source, scratch)
            with report.step("verify with the migration task") as step:
                step.detail = self.verify(target, restored["Endpoint"]["Address"])
            report.facts["rto_seconds"] = round((report.clock.now() - report.started).total_seconds())
        finally:
            with report.step("delete the scratch instance") as step:
                step.detail = delete_scratch(
                    self.rds,
                    scratch,
                    wait=self.options.delete_wait,
                    clock=report.clock,
                    progress=self.progress,
                )

    def restore(self, source: dict[str, Any], point: dict[str, Any], scratch: str) -> dict[str, Any]:
        """Restore into `scratch` and wait until it is available; the new instance."""
        self.rds.restore_db_instance_from_db_snapshot(
            **restore_request(self.names, source, point, scratch, self.options)
        )
        return self.wait_available(scratch, "restoring")

    def wait_available(self, identifier: str, doing: str) -> dict[str, Any]:
        def ready(found: dict[str, Any]) -> bool:
            pending = found.get("PendingModifiedValues", {})
            return found["DBInstanceStatus"] == "available" and "MasterUserPassword" not in pending

        def failed(found: dict[str, Any]) -> str | None:
            status = found["DBInstanceStatus"]
            return f"RDS reports {status}" if status in RESTORE_FAILED else None

        instance: dict[str, Any] = wait_for(
            lambda: self.rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0],
            done=ready,
            failed=failed,
            what=f"{doing} {identifier}",
            show=lambda found: found["DBInstanceStatus"],
            wait=self.options.restore_wait,
            clock=self.report.clock,
            progress=self.progress,
        )
        return instance

    def set_password(self, source: dict[str, Any], scratch: str) -> str:
        """The copy gets the master password the RDS-managed secret holds now (the task reads that)."""
        secret = source.get("MasterUserSecret", {}).get("SecretArn")
        if not secret:
            return "the source's password is not RDS-managed: the copy keeps its snapshot's"
        value = json.loads(
            self.aws.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"]
        )
        self.rds.modify_db_instance(
            DBInstanceIdentifier=scratch, MasterUserPassword=value["password"], ApplyImmediately=True
        )
        self.wait_available(scratch, "setting the password of")
        return f"from the RDS-managed secret {secret.rsplit(':', 1)[-1]}"

    def verify(self, target: TaskTarget, address: str) -> str:
        """Run `verify` against the copy; a one-line summary, or OpsError with the task's own words."""
        clock, report = self.report.clock, self.report
        outcome = run_task(
            self.aws.client("ecs"), target, started_by=STARTED_BY, command=["verify"],
            environment={"DATABASE_HOST": address}, clock=clock, progress=self.progress,
        )  # fmt: skip
        report.facts["verification_task"] = outcome.task_arn
        line = result_line(
            self.aws.client("logs"), target, outcome.task_arn, MARKER, clock=clock, progress=self.progress
        )
        if line is not None:
            report.facts["verification"] = {key: line.get(key) for key in SUMMARY}
        if outcome.exit_code != 0 or line is None or not line.get("ok"):
            raise OpsError(_verification_failure(outcome, line, target))
        counts = ", ".join(f"{value} {key}" for key, value in line.get("counts", {}).items())
        return f"{counts}; {line.get('tables_read')} tables read"


def _verification_failure(outcome: TaskOutcome, line: dict[str, Any] | None, target: TaskTarget) -> str:
    problems = "; ".join(line.get("problems", [])) if line else ""
    if not problems:
        problems = "it printed no result line" + (
            " (an image without the `verify` command, or a broken environment)"
            if outcome.exit_code == 2
            else ""
        )
    reason = f", {outcome.reason}" if outcome.reason else ""
    return (
        f"verification failed (exit code {outcome.exit_code}{reason}): {problems}; "
        f"the task's log is in {target.log_group}"
    )


def restore_request(
    names: StackNames, source: dict[str, Any], point: dict[str, Any], scratch: str, options: DrillOptions
) -> dict[str, Any]:
    """RestoreDBInstanceFromDBSnapshot's arguments: the source's network and parameters, a throw-away copy."""
    request: dict[str, Any] = {
        "DBInstanceIdentifier": scratch,
        "DBSnapshotIdentifier": point["DBSnapshotArn"],
        "DBInstanceClass": options.instance_class or source["DBInstanceClass"],
        "DBSubnetGroupName": source["DBSubnetGroup"]["DBSubnetGroupName"],
        "VpcSecurityGroupIds": [group["VpcSecurityGroupId"] for group in source["VpcSecurityGroups"]],
        "MultiAZ": False,
        "PubliclyAccessible": False,
        "DeletionProtection": False,
        "AutoMinorVersionUpgrade": False,
        "CopyTagsToSnapshot": False,
        "Tags": [
            *names.tool_tags("drill"),
            {"Key": "superset-stack:restored-from", "Value": point["DBSnapshotIdentifier"]},
        ],
    }  # fmt: skip
    if source.get("DBParameterGroups"):
        request["DBParameterGroupName"] = source["DBParameterGroups"][0]["DBParameterGroupName"]
    if source.get("CACertificateIdentifier"):
        request["CACertificateIdentifier"] = source["CACertificateIdentifier"]
    return request


def delete_leftovers(rds: Any, names: StackNames) -> list[str]:
    """Delete the scratch instances of earlier drills of this stack (a run killed before its cleanup).

    Only instances named `<prefix>-drill-...` and tagged as this stack's drill are considered."""
    leftovers = []
    for page in rds.get_paginator("describe_db_instances").paginate():
        for instance in page["DBInstances"]:
            tags = instance.get("TagList", [])
            if (
                instance["DBInstanceIdentifier"].startswith(f"{names.prefix}-drill-")
                and {"Key": PURPOSE_TAG, "Value": "drill"} in tags
                and {"Key": "Stack", "Value": names.stack} in tags
                and _delete(rds, instance["DBInstanceIdentifier"]) == "deletion requested"
            ):
                leftovers.append(instance["DBInstanceIdentifier"])
    return leftovers


def _delete(rds: Any, identifier: str) -> str | None:
    """One attempt; what happened, or None when the instance is busy (creating, modifying)."""
    from botocore.exceptions import ClientError

    try:
        rds.delete_db_instance(
            DBInstanceIdentifier=identifier, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
        )
    except ClientError as error:
        if error_code(error) == "DBInstanceNotFound":
            return "it was never created"
        if error_code(error) != "InvalidDBInstanceState":
            raise
        status = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0][
            "DBInstanceStatus"
        ]
        return "already being deleted" if status == "deleting" else None
    return "deletion requested"


def delete_scratch(rds: Any, identifier: str, *, wait: Wait, clock: Clock, progress: Progress) -> str:
    """Delete the scratch instance without a final snapshot, waiting while it is busy; what happened."""
    try:
        outcome = wait_for(
            lambda: _delete(rds, identifier),
            done=lambda result: result is not None,
            what=f"deleting {identifier}",
            show=lambda _result: "busy, deleting as soon as RDS allows",
            wait=wait,
            clock=clock,
            progress=progress,
        )
    except (KeyboardInterrupt, OpsError) as error:
        raise OpsError(
            f"the scratch instance {identifier} may remain ({error or 'interrupted'}): delete it with "
            f"`aws rds delete-db-instance --db-instance-identifier {identifier} --skip-final-snapshot "
            "--delete-automated-backups` (the next drill deletes it too)"
        ) from error
    return f"{identifier}: {outcome or '?'}"
