"""Manual RDS snapshots of the metadata database: on demand, before an upgrade, and pruning.

- `take_snapshot`: `<prefix>-manual-<UTC timestamp>` (the `snapshot` command), tagged with the
  stack's tags, `ManagedBy=superset-stack` and its purpose; waits until it is available, then
  deletes this tool's snapshots of the same purpose beyond the newest `keep`. Automated snapshots,
  AWS Backup's and anybody else's are never touched: pruning only considers manual snapshots of
  this instance carrying the purpose tag.
- `pre_deploy_snapshot`: the same, `<prefix>-pre-deploy-<timestamp>`, for the migration run to
  call when the Superset version changes (it needs only the instance identifier and an RDS client).
- `newest_restore_point`: the newest available automated or AWS Backup snapshot (the DR drill).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from superset_stack.ops.names import PURPOSE_TAG, TOOL, Purpose, StackNames
from superset_stack.ops.session import OpsError, error_code
from superset_stack.ops.waiting import Clock, Progress, Wait, quiet, wait_for

RUNTIME_LOCK = Path(__file__).resolve().parents[1] / "runtime" / "requirements.lock"
# the defaults of manualSnapshotsToKeep and preDeploySnapshotsToKeep, which the `snapshot` command
# and the migration run (aws/migration.py) pass in
DEFAULT_KEEP = 5
PRE_DEPLOY_KEEP = 3
SNAPSHOT_WAIT = Wait(poll_seconds=15, timeout_seconds=3600)
FAILED = ("failed", "incompatible-restore", "incompatible-parameters")
RESTORE_SOURCES = ("automated", "awsbackup")
LATEST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Snapshot:
    identifier: str
    arn: str
    created: str  # ISO 8601, UTC
    seconds: float  # from the request until available
    pruned: tuple[str, ...]


def superset_version(lock: Path = RUNTIME_LOCK) -> str:
    """The Superset version the runtime lock pins (`apache_superset==X`): what the image runs."""
    match = re.search(r"^apache[-_]superset==(\S+)", lock.read_text(), flags=re.MULTILINE)
    if not match:
        raise OpsError(f"{lock} pins no apache-superset version")
    return match[1]


def find_instance(rds: Any, identifier: str) -> dict[str, Any]:
    """The RDS instance; OpsError naming it when it does not exist."""
    from botocore.exceptions import ClientError

    try:
        found = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    except ClientError as error:
        if error_code(error) == "DBInstanceNotFound":
            raise OpsError(
                f"the stack's database {identifier} does not exist in this region: is the stack deployed, "
                "and is the region right (--region)?"
            ) from None
        raise
    instance: dict[str, Any] = found[0]
    return instance


def available_instance(rds: Any, identifier: str) -> dict[str, Any]:
    """The instance, which must be available (a stopped or busy one cannot be snapshotted now)."""
    instance = find_instance(rds, identifier)
    status = instance["DBInstanceStatus"]
    if status != "available":
        hint = (
            " (office hours: start it with "
            f"`aws rds start-db-instance --db-instance-identifier {identifier}`)"
            if status == "stopped"
            else ""
        )
        raise OpsError(f"the database {identifier} is {status}; a snapshot needs it available{hint}")
    return instance


def create_snapshot(
    rds: Any,
    *,
    database: str,
    identifier: str,
    tags: Sequence[dict[str, str]],
    clock: Clock,
    progress: Progress,
    wait: Wait = SNAPSHOT_WAIT,
) -> tuple[dict[str, Any], float]:
    """Request a manual snapshot and wait until it is available; the snapshot as RDS describes it,
    and the seconds that took."""
    began = clock.monotonic()
    rds.create_db_snapshot(DBSnapshotIdentifier=identifier, DBInstanceIdentifier=database, Tags=list(tags))
    snapshot: dict[str, Any] = wait_for(
        lambda: rds.describe_db_snapshots(DBSnapshotIdentifier=identifier)["DBSnapshots"][0],
        done=lambda found: found["Status"] == "available",
        failed=lambda found: f"RDS reports {found['Status']}" if found["Status"] in FAILED else None,
        what=f"snapshot {identifier}",
        show=lambda found: f"{found['Status']}, {found.get('PercentProgress', 0)}%",
        wait=wait,
        clock=clock,
        progress=progress,
    )
    return snapshot, round(clock.monotonic() - began, 1)


def tool_snapshots(rds: Any, database: str, purpose: Purpose) -> list[dict[str, Any]]:
    """Manual snapshots of `database` this tool made for `purpose`, newest first."""
    pages = rds.get_paginator("describe_db_snapshots").paginate(
        DBInstanceIdentifier=database, SnapshotType="manual"
    )
    mine = [
        snapshot
        for page in pages
        for snapshot in page["DBSnapshots"]
        if {"Key": PURPOSE_TAG, "Value": purpose} in snapshot.get("TagList", [])
        and {"Key": "ManagedBy", "Value": TOOL} in snapshot.get("TagList", [])
    ]
    # one still being created has no time yet: it is the newest
    return sorted(mine, key=lambda snapshot: snapshot.get("SnapshotCreateTime") or LATEST, reverse=True)


def prune(rds: Any, database: str, purpose: Purpose, keep: int) -> tuple[str, ...]:
    """Delete this tool's `purpose` snapshots beyond the newest `keep`; the identifiers deleted."""
    if keep < 1:
        raise OpsError(f"keep must be at least 1 (the snapshot just taken), got {keep}")
    old = [snapshot["DBSnapshotIdentifier"] for snapshot in tool_snapshots(rds, database, purpose)[keep:]]
    for identifier in old:
        rds.delete_db_snapshot(DBSnapshotIdentifier=identifier)
    return tuple(old)


def take_snapshot(
    rds: Any,
    names: StackNames,
    *,
    purpose: Purpose = "manual",
    keep: int = DEFAULT_KEEP,
    extra_tags: Sequence[dict[str, str]] = (),
    clock: Clock | None = None,
    progress: Progress = quiet,
) -> Snapshot:
    """Snapshot the stack's metadata database now, then prune to `keep` of this purpose."""
    clock = clock or Clock()
    database = names.database_identifier
    available_instance(rds, database)
    identifier = names.timestamped(purpose, clock.now())
    snapshot, seconds = create_snapshot(
        rds,
        database=database,
        identifier=identifier,
        tags=[*names.tool_tags(purpose), *extra_tags],
        clock=clock,
        progress=progress,
    )
    return Snapshot(
        identifier=identifier,
        arn=snapshot["DBSnapshotArn"],
        created=_iso(snapshot.get("SnapshotCreateTime")),
        seconds=seconds,
        pruned=prune(rds, database, purpose, keep),
    )


def pre_deploy_snapshot(
    rds: Any,
    *,
    database_identifier: str,
    from_version: str,
    to_version: str,
    keep: int = PRE_DEPLOY_KEEP,
    clock: Clock | None = None,
    progress: Progress = quiet,
) -> Snapshot | None:
    """Before a migration that changes the Superset version, snapshot the database.

    Returns None without doing anything when the version is unchanged or unknown before (a first
    deploy has nothing to keep). The snapshot carries the instance's own tags (the stack's), marked
    as this tool's, and the two versions; the oldest beyond `keep` are deleted.
    """
    if not from_version or from_version == to_version:
        return None
    instance = available_instance(rds, database_identifier)
    own = rds.list_tags_for_resource(ResourceName=instance["DBInstanceArn"])["TagList"]
    names = StackNames(
        stack=_tag(own, "Stack"),
        region="",
        prefix=database_identifier.removesuffix("-metadata"),
        tags={tag["Key"]: tag["Value"] for tag in own if not tag["Key"].startswith("aws:")},
    )
    versions = [
        {"Key": "superset-stack:from-version", "Value": from_version},
        {"Key": "superset-stack:to-version", "Value": to_version},
    ]
    return take_snapshot(
        rds, names, purpose="pre-deploy", keep=keep, extra_tags=versions, clock=clock, progress=progress
    )


def newest_restore_point(rds: Any, database: str, sources: Sequence[str] = RESTORE_SOURCES) -> dict[str, Any]:
    """The newest available snapshot of `database` among automated and AWS Backup ones."""
    found = [
        snapshot
        for source in sources
        for page in rds.get_paginator("describe_db_snapshots").paginate(
            DBInstanceIdentifier=database, SnapshotType=source
        )
        for snapshot in page["DBSnapshots"]
        if snapshot["Status"] == "available"
    ]
    if not found:
        raise OpsError(
            f"no available {' or '.join(sources)} snapshot of {database}: automated backups are "
            "taken daily in the backup window; the first one exists a day after the instance"
        )
    newest: dict[str, Any] = max(found, key=lambda snapshot: snapshot["SnapshotCreateTime"])
    return newest


def _tag(tags: Sequence[dict[str, str]], key: str) -> str:
    return next((tag["Value"] for tag in tags if tag["Key"] == key), "")


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")
