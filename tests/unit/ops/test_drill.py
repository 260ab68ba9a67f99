"""The DR drill against moto: restore, verify with the migration task, measure, always delete."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

from superset_stack.ops.drill import DrillOptions, run_drill
from superset_stack.ops.names import StackNames
from superset_stack.ops.session import Aws, OpsError
from superset_stack.ops.waiting import sigterm_as_interrupt
from superset_stack.runtime.verify import MARKER
from tests.unit.ops.conftest import ACCOUNT, REGION, Deployed, Fargate, report_for

SCRATCH = "superset-dev-drill-20261130-090000"
PASSED = {"check": MARKER, "ok": True, "revision": ["4b2a8c9d3e1f"], "head": ["4b2a8c9d3e1f"],
          "counts": {"dashboards": 3, "charts": 12, "datasets": 5, "databases": 2, "users": 7},
          "tables_read": 53, "tables_declared": 53, "encrypted_columns": 9, "problems": [], "seconds": 4.1}  # fmt: skip
FAILED = {**PASSED, "ok": False, "revision": ["c233f5365c9e"],
          "problems": ["schema revision c233f5365c9e is not this image's migration head 4b2a8c9d3e1f"]}  # fmt: skip


def automated_snapshot(aws: Aws) -> str:
    (snapshot,) = aws.client("rds").describe_db_snapshots(SnapshotType="automated",
                                                          DBInstanceIdentifier="superset-dev-metadata")["DBSnapshots"]  # fmt: skip
    return str(snapshot["DBSnapshotIdentifier"])


def instances(aws: Aws) -> dict[str, str]:
    found = aws.client("rds").describe_db_instances()["DBInstances"]
    return {item["DBInstanceIdentifier"]: item["DBInstanceStatus"] for item in found}


def record(client: Any, operation: str, into: dict[str, Any], key: str) -> None:
    """Keep the parameters of `operation` calls as the command passes them to boto3."""

    def keep(params: dict[str, Any], **_kwargs: Any) -> None:
        into[key] = dict(params)

    client.meta.events.register(
        f"provide-client-params.{client.meta.service_model.service_id.hyphenize()}.{operation}", keep
    )


def drill(aws: Aws, names: StackNames, fargate: Fargate) -> Any:
    report = report_for("dr-drill", fargate, names)
    try:
        run_drill(aws, names, report, options=DrillOptions(), progress=lambda _message: None)
    finally:
        report.finish("ok")
    return report


def test_a_drill_restores_verifies_measures_and_deletes(
    aws: Aws, deployed: Deployed, fargate: Fargate
) -> None:
    fargate.lines = ["[bootstrap-like noise]", PASSED]
    report = drill(aws, deployed.names, fargate)
    point = automated_snapshot(aws)
    assert [(step.name, step.ok, step.detail) for step in report.steps] == [
        ("find the stack", True, f"restore point {point}"),
        ("restore the snapshot", True, f"{SCRATCH} (db.t4g.micro) from {point}"),
        ("set the current master password", True,
         f"from the RDS-managed secret {deployed.master_secret_arn.rsplit(':', 1)[-1]}"),
        ("verify with the migration task", True,
         "3 dashboards, 12 charts, 5 datasets, 2 databases, 7 users; 53 tables read"),
        ("delete the scratch instance", True, f"{SCRATCH}: deletion requested"),
    ]  # fmt: skip
    task = report.facts.pop("verification_task")
    assert task.startswith(f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/")
    assert report.facts == {
        "restore_point": point, "restore_point_type": "automated", "restore_point_created": "2026-11-30T03:10:00+00:00",
        "rpo_seconds": 21000, "scratch_instance": SCRATCH, "restore_seconds": 0.0,
        "verification": {"revision": ["4b2a8c9d3e1f"], "head": ["4b2a8c9d3e1f"], "tables_read": 53,
                         "counts": PASSED["counts"], "encrypted_columns": 9},
        "rto_seconds": 30,  # three 10-second polls until the task stopped
    }  # fmt: skip
    assert instances(aws) == {"superset-dev-metadata": "available"}


def test_the_scratch_copy_is_the_stacks_network_and_the_task_runs_verify_against_it(
    aws: Aws, deployed: Deployed, fargate: Fargate
) -> None:
    seen: dict[str, Any] = {}
    for service, operation, key in (("rds", "RestoreDBInstanceFromDBSnapshot", "restore"),
                                    ("rds", "DeleteDBInstance", "delete"), ("ecs", "RunTask", "run")):  # fmt: skip
        record(aws.client(service), operation, seen, key)
    fargate.lines = [PASSED]
    drill(aws, deployed.names, fargate)
    restore = seen["restore"]
    assert {key: restore[key] for key in ("DBInstanceIdentifier", "DBInstanceClass", "DBSubnetGroupName",
                                          "VpcSecurityGroupIds", "MultiAZ", "PubliclyAccessible",
                                          "DeletionProtection", "DBParameterGroupName")} == {
        "DBInstanceIdentifier": SCRATCH, "DBInstanceClass": "db.t4g.micro", "DBSubnetGroupName": "superset-db-1a2b3c4",
        "VpcSecurityGroupIds": [deployed.database_security_group], "MultiAZ": False, "PubliclyAccessible": False,
        "DeletionProtection": False, "DBParameterGroupName": "default.postgres9.3",
    }  # fmt: skip
    tags = {tag["Key"]: tag["Value"] for tag in restore["Tags"]}
    assert (tags["ManagedBy"], tags["superset-stack:purpose"], tags["Stack"]) == (
        "superset-stack",
        "drill",
        "dev",
    )
    assert seen["delete"] == {
        "DBInstanceIdentifier": SCRATCH,
        "SkipFinalSnapshot": True,
        "DeleteAutomatedBackups": True,
    }
    run = seen["run"]
    assert run["taskDefinition"] == deployed.task_definitions["migration"]
    assert run["overrides"] == {"containerOverrides": [{"name": "migration", "command": ["verify"], "environment": [
        {"name": "DATABASE_HOST", "value": f"{SCRATCH}.aaaaaaaaaa.{REGION}.rds.amazonaws.com"}]}]}  # fmt: skip
    assert run["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": deployed.subnets,
        "securityGroups": [deployed.app_security_group],
        "assignPublicIp": "DISABLED",
    }


def test_a_failed_verification_fails_the_drill_and_still_deletes_the_copy(
    aws: Aws, deployed: Deployed, fargate: Fargate
) -> None:
    fargate.lines, fargate.exit_code = [FAILED], 1
    with pytest.raises(OpsError) as caught:
        drill(aws, deployed.names, fargate)
    assert str(caught.value) == (
        "verification failed (exit code 1): schema revision c233f5365c9e is not this image's migration head "
        "4b2a8c9d3e1f; the task's log is in /superset/dev/migration"
    )
    assert instances(aws) == {"superset-dev-metadata": "available"}


def test_a_task_that_printed_nothing_fails_the_drill(aws: Aws, deployed: Deployed, fargate: Fargate) -> None:
    fargate.lines, fargate.exit_code = ["usage: entrypoint {web|worker|beat|bootstrap}"], 2
    with pytest.raises(
        OpsError, match=r"exit code 2\): it printed no result line \(an image without the `verify`"
    ):
        drill(aws, deployed.names, fargate)
    assert instances(aws) == {"superset-dev-metadata": "available"}


def fail_restores(aws: Aws, status: str) -> None:
    """After RDS accepts the restore, the new instance ends in `status` (as a bad snapshot would)."""
    from moto.rds.models import rds_backends

    def broken(**_kwargs: Any) -> None:
        rds_backends[ACCOUNT][REGION].databases[SCRATCH].status = status

    aws.client("rds").meta.events.register("after-call.rds.RestoreDBInstanceFromDBSnapshot", broken)


def test_a_failed_restore_fails_the_drill_and_deletes_the_copy(
    aws: Aws, deployed: Deployed, fargate: Fargate
) -> None:
    fail_restores(aws, "incompatible-restore")
    report = report_for("dr-drill", fargate, deployed.names)
    with pytest.raises(OpsError, match=f"^restoring {SCRATCH}: RDS reports incompatible-restore$"):
        run_drill(aws, deployed.names, report, options=DrillOptions(), progress=lambda _message: None)
    assert [(step.name, step.ok) for step in report.steps] == [
        ("find the stack", True),
        ("restore the snapshot", False),
        ("delete the scratch instance", True),
    ]
    assert instances(aws) == {"superset-dev-metadata": "available"}
    assert "rto_seconds" not in report.facts


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_an_interrupted_drill_still_deletes_the_copy_and_stops_the_task(
    aws: Aws, deployed: Deployed, fargate: Fargate, how: str
) -> None:
    def interrupt(_sleep: int) -> None:
        if how == "ctrl-c":
            raise KeyboardInterrupt
        os.kill(os.getpid(), signal.SIGTERM)

    fargate.on_sleep = interrupt  # the first wait is for the verification task
    with sigterm_as_interrupt(), pytest.raises(KeyboardInterrupt):
        drill(aws, deployed.names, fargate)
    assert instances(aws) == {"superset-dev-metadata": "available"}
    (task,) = aws.client("ecs").describe_tasks(cluster=deployed.cluster_arn, tasks=aws.client("ecs").list_tasks(
        cluster=deployed.cluster_arn, startedBy="superset-stack-dr-drill")["taskArns"])["tasks"]  # fmt: skip
    assert (task["lastStatus"], task["stoppedReason"]) == (
        "STOPPED",
        "superset-stack-dr-drill stopped waiting",
    )


def test_a_leftover_scratch_instance_of_this_stack_is_deleted_first(
    aws: Aws, deployed: Deployed, fargate: Fargate
) -> None:
    rds = aws.client("rds")
    point = automated_snapshot(aws)
    old = "superset-dev-drill-20261101-090000"
    rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier=old, DBSnapshotIdentifier=point,
                                             Tags=deployed.names.tool_tags("drill"))  # fmt: skip
    other = "superset-dev-drill-lookalike"  # the right name, but not tagged as a drill: not ours
    rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier=other, DBSnapshotIdentifier=point)
    fargate.lines = [PASSED]
    report = drill(aws, deployed.names, fargate)
    assert report.steps[0].detail == f"restore point {point}; deleted leftover scratch instances {old}"
    assert instances(aws) == {"superset-dev-metadata": "available", other: "available"}


def test_a_stack_that_is_not_deployed_is_named(aws: Aws, names: StackNames, fargate: Fargate) -> None:
    with pytest.raises(OpsError) as caught:
        drill(aws, names, fargate)
    assert str(caught.value) == (
        "the stack's database superset-dev-metadata does not exist in this region: is the stack deployed, "
        "and is the region right (--region)?"
    )
