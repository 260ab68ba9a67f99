"""Manual and pre-deploy snapshots against moto: naming, tags, waiting, pruning only our own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from superset_stack.aws.migration import DEFAULT_SNAPSHOTS_TO_KEEP
from superset_stack.ops.names import StackNames
from superset_stack.ops.session import Aws, OpsError
from superset_stack.ops.snapshots import (
    DEFAULT_KEEP,
    PRE_DEPLOY_KEEP,
    newest_restore_point,
    pre_deploy_snapshot,
    superset_version,
    take_snapshot,
)
from superset_stack.ops.waiting import Clock
from superset_stack.settings import OPTIONS_BY_KEY
from tests.unit.ops.conftest import STARTED, Deployed

DATABASE = "superset-dev-metadata"


def at(minutes: int) -> Clock:
    """A clock standing `minutes` after STARTED."""
    return Clock(now=lambda: STARTED + timedelta(minutes=minutes), sleep=lambda _seconds: None)


def manual_snapshots(rds: Any) -> dict[str, dict[str, str]]:
    found = rds.describe_db_snapshots(DBInstanceIdentifier=DATABASE, SnapshotType="manual")["DBSnapshots"]
    return {item["DBSnapshotIdentifier"]: {t["Key"]: t["Value"] for t in item["TagList"]} for item in found}


def test_a_manual_snapshot_is_named_tagged_and_waited_for(aws: Aws, deployed: Deployed) -> None:
    rds = aws.client("rds")
    taken = take_snapshot(rds, deployed.names, keep=5, clock=at(0))
    assert (taken.identifier, taken.pruned) == ("superset-dev-manual-20261130-090000", ())
    assert taken.arn == "arn:aws:rds:us-east-1:123456789012:snapshot:superset-dev-manual-20261130-090000"
    assert manual_snapshots(rds) == {"superset-dev-manual-20261130-090000": {
        "Project": "superset-stack", "Environment": "dev", "CostCenter": "analytics", "Owner": "data-platform",
        "Stack": "dev", "ManagedBy": "superset-stack", "superset-stack:purpose": "manual"}}  # fmt: skip


def test_pruning_keeps_the_newest_and_never_touches_other_snapshots(aws: Aws, deployed: Deployed) -> None:
    rds = aws.client("rds")
    rds.create_db_snapshot(DBSnapshotIdentifier="before-the-big-upgrade", DBInstanceIdentifier=DATABASE)
    pre_deploy = take_snapshot(rds, deployed.names, purpose="pre-deploy", keep=1, clock=at(0)).identifier
    for minute in range(4):
        taken = take_snapshot(rds, deployed.names, keep=2, clock=at(minute))
    assert taken.pruned == ("superset-dev-manual-20261130-090100",)
    assert sorted(manual_snapshots(rds)) == [
        "before-the-big-upgrade", "superset-dev-manual-20261130-090200", "superset-dev-manual-20261130-090300",
        pre_deploy,
    ]  # fmt: skip
    assert (
        len(rds.describe_db_snapshots(DBInstanceIdentifier=DATABASE, SnapshotType="automated")["DBSnapshots"])
        == 1
    )


def test_a_stopped_database_is_not_snapshotted(aws: Aws, deployed: Deployed) -> None:
    rds = aws.client("rds")
    rds.stop_db_instance(DBInstanceIdentifier=DATABASE)
    with pytest.raises(OpsError) as caught:
        take_snapshot(rds, deployed.names, clock=at(0))
    assert str(caught.value) == (
        "the database superset-dev-metadata is stopped; a snapshot needs it available (office hours: start it "
        "with `aws rds start-db-instance --db-instance-identifier superset-dev-metadata`)"
    )
    assert manual_snapshots(rds) == {}


def test_a_pre_deploy_snapshot_only_when_the_superset_version_changes(aws: Aws, deployed: Deployed) -> None:
    rds = aws.client("rds")
    assert (
        pre_deploy_snapshot(rds, database_identifier=DATABASE, from_version="6.1.0", to_version="6.1.0")
        is None
    )
    assert pre_deploy_snapshot(rds, database_identifier=DATABASE, from_version="", to_version="6.1.0") is None
    assert manual_snapshots(rds) == {}
    taken = pre_deploy_snapshot(rds, database_identifier=DATABASE, from_version="6.1.0", to_version="6.2.0",
                                clock=at(0))  # fmt: skip
    assert taken is not None and taken.identifier == "superset-dev-pre-deploy-20261130-090000"
    tags = manual_snapshots(rds)[taken.identifier]
    assert {key: tags[key] for key in ("Stack", "ManagedBy", "superset-stack:purpose",
                                       "superset-stack:from-version", "superset-stack:to-version")} == {
        "Stack": "dev", "ManagedBy": "superset-stack", "superset-stack:purpose": "pre-deploy",
        "superset-stack:from-version": "6.1.0", "superset-stack:to-version": "6.2.0"}  # fmt: skip


def test_pre_deploy_snapshots_are_pruned_to_their_own_count(aws: Aws, deployed: Deployed) -> None:
    rds = aws.client("rds")
    manual = take_snapshot(rds, deployed.names, clock=at(0)).identifier
    for minute in range(1, 5):
        taken = pre_deploy_snapshot(rds, database_identifier=DATABASE, from_version="6.1.0", to_version=f"6.{minute}",
                                    keep=3, clock=at(minute))  # fmt: skip
    assert taken is not None and taken.pruned == ("superset-dev-pre-deploy-20261130-090100",)
    assert manual in manual_snapshots(rds)


def test_the_newest_restore_point_and_none_at_all(aws: Aws, deployed: Deployed, names: StackNames) -> None:
    rds = aws.client("rds")
    point = newest_restore_point(rds, DATABASE)
    assert (point["SnapshotType"], point["SnapshotCreateTime"]) == (
        "automated",
        datetime(2026, 11, 30, 3, 10, tzinfo=UTC),
    )
    with pytest.raises(OpsError) as caught:
        newest_restore_point(rds, "superset-other-metadata")
    assert str(caught.value) == (
        "no available automated or awsbackup snapshot of superset-other-metadata: automated backups are taken "
        "daily in the backup window; the first one exists a day after the instance"
    )


def test_the_superset_version_comes_from_the_runtime_lock(tmp_path: Path) -> None:
    assert superset_version() == "6.1.0"
    lock = tmp_path / "requirements.lock"
    lock.write_text("alembic==1.0\napache-superset-core==0.1.0\n")
    with pytest.raises(OpsError, match="pins no apache-superset version"):
        superset_version(lock)


def test_the_snapshots_kept_by_default_are_the_settings_defaults() -> None:
    assert OPTIONS_BY_KEY["manualSnapshotsToKeep"].default == DEFAULT_KEEP
    assert OPTIONS_BY_KEY["preDeploySnapshotsToKeep"].default == PRE_DEPLOY_KEEP == DEFAULT_SNAPSHOTS_TO_KEEP
