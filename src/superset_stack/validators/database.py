"""Database: the RDS PostgreSQL instance, its backups and maintenance, and the connection budget
the web and worker tiers must fit into."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from superset_stack import sizing
from superset_stack.runtime import rds_ca
from superset_stack.validators._problem import Problem
from superset_stack.validators._windows import DAY_MINUTES, backup_minutes, maintenance_minutes

if TYPE_CHECKING:
    from superset_stack.settings import Settings


def validate_instance(s: Settings) -> list[Problem]:
    """A supported PostgreSQL version, a known instance class, gp3 storage and its autoscaling
    ceiling in range, and an Enhanced Monitoring interval RDS accepts."""
    problems = []
    if not re.fullmatch(r"\d+(\.\d+)?", s.db_engine_version):
        problems.append(
            Problem("dbEngineVersion", f"expected a version such as 18 or 18.3, got {s.db_engine_version!r}")
        )
    elif int(s.db_engine_version.split(".")[0]) < 16:
        problems.append(
            Problem("dbEngineVersion", f"PostgreSQL {s.db_engine_version} is too old; use 16 or newer")
        )
    problems += _known_class("dbInstanceClass", s.db_instance_class)
    if not 20 <= s.db_allocated_storage_gib <= 65536:
        problems.append(
            Problem(
                "dbAllocatedStorageGib", f"must be 20-65536 GiB for gp3, got {s.db_allocated_storage_gib}"
            )
        )
    if s.db_max_allocated_storage_gib and s.db_max_allocated_storage_gib < s.db_allocated_storage_gib:
        problems.append(
            Problem(
                "dbMaxAllocatedStorageGib",
                f"{s.db_max_allocated_storage_gib} is below "
                f"dbAllocatedStorageGib {s.db_allocated_storage_gib}; use 0 to turn autoscaling off",
            )
        )
    if s.db_monitoring_interval_seconds not in (0, 1, 5, 10, 15, 30, 60):
        problems.append(
            Problem(
                "dbMonitoringIntervalSeconds",
                f"allowed: 0, 1, 5, 10, 15, 30, 60; got {s.db_monitoring_interval_seconds}",
            )
        )
    return problems


def validate_ca_region(s: Settings) -> list[Problem]:
    """The image's RDS CA bundle has the region's root CA that signs the database's certificate
    (aws/database.py CA_CERTIFICATE); without it no task could verify the database. A prebuilt
    image (imageUri) brings its own bundle."""
    if s.image_uri or not re.fullmatch(rds_ca.REGION_NAME, s.region):  # a malformed name: settings'
        return []
    try:
        state = rds_ca.coverage(s.region)
    except (OSError, rds_ca.BundleError) as error:
        return [Problem("aws:region", f"the image's RDS CA bundle (runtime/rds-ca-bundle.pem) cannot be "
                        f"read ({error}); restore it from the repository, or set imageUri")]  # fmt: skip
    if state == "covered":
        return []
    if state == "partition":
        return [Problem("aws:region", f"{s.region} is in a partition whose RDS CAs are a bundle of their "
                        "own (GovCloud, China), which this image does not carry and a refresh of the "
                        "commercial bundle cannot add. Set imageUri to an image that trusts "
                        "them")]  # fmt: skip
    return [
        Problem(
            "aws:region",
            f"the image's RDS CA bundle (runtime/rds-ca-bundle.pem) has no Amazon RDS {s.region} Root CA "
            "RSA2048 G1, which signs the database's certificate (rds-ca-rsa2048-g1), so no task could "
            "verify it. Refresh the bundle on a machine that reaches truststore.pki.rds.amazonaws.com "
            "(python -m superset_stack.runtime.rds_ca refresh), or set imageUri to an image that "
            f"trusts it; covered: {', '.join(sorted(rds_ca.covered_regions()))}",
        )
    ]


def validate_drill_instance(s: Settings) -> list[Problem]:
    """The DR drill's scratch instance class, when given, is one the database could have."""
    return _known_class("drillInstanceClass", s.drill_instance_class) if s.drill_instance_class else []


def _known_class(key: str, instance_class: str) -> list[Problem]:
    if instance_class in sizing.DB_INSTANCE_MEMORY_GIB:
        return []
    known = ", ".join(sizing.DB_INSTANCE_MEMORY_GIB)
    return [Problem(key, f"unknown class {instance_class!r}; known: {known}")]


def validate_backups_and_maintenance(s: Settings) -> list[Problem]:
    """Backups never off, and backup and maintenance windows that parse, last at least 30 minutes
    and do not overlap (on any day of the week)."""
    problems = []
    if not 1 <= s.db_backup_retention_days <= 35:
        problems.append(
            Problem(
                "dbBackupRetentionDays",
                f"must be 1-35 (backups are never off), got {s.db_backup_retention_days}",
            )
        )
    backup = backup_minutes(s.db_backup_window)
    maintenance = maintenance_minutes(s.db_maintenance_window)
    if backup is None:
        problems.append(Problem("dbBackupWindow", f"expected hh:mm-hh:mm in UTC, got {s.db_backup_window!r}"))
    elif len(backup) < 30:
        problems.append(
            Problem("dbBackupWindow", f"must last at least 30 minutes, got {s.db_backup_window!r}")
        )
    if maintenance is None:
        problems.append(
            Problem(
                "dbMaintenanceWindow",
                f"expected ddd:hh:mm-ddd:hh:mm in UTC, got {s.db_maintenance_window!r}",
            )
        )
    elif len(maintenance) < 30:
        problems.append(
            Problem("dbMaintenanceWindow", f"must last at least 30 minutes, got {s.db_maintenance_window!r}")
        )
    if backup and maintenance:
        daily = {day * DAY_MINUTES + minute for day in range(7) for minute in backup}
        if daily & maintenance:
            problems.append(
                Problem(
                    "dbMaintenanceWindow",
                    f"{s.db_maintenance_window} overlaps the backup window {s.db_backup_window}",
                )
            )
    return problems


def validate_connection_budget(s: Settings) -> list[Problem]:
    """The worst moment fits: web and worker both mid-rollout at their ceilings, with beat, the
    migration task and the operators' reserve, within the class's usable connections. Refused with
    both figures and the single changes that would fit. Checked only when the class, the counts
    and the percents are valid themselves."""
    if not _budget_computable(s):
        return []
    budget = s.connection_budget
    if budget.fits:
        return []
    ways = "; ".join(_ways_out(s, budget.peak_total)) or (
        "no single change fits; combine them (a larger class, fewer tasks, threads or workers, "
        "rollouts at 100 percent)"
    )
    return [
        Problem(
            "dbInstanceClass",
            f"connection budget exceeded at the worst moment: {budget.explain()}. Ways out: {ways}",
        )
    ]


def _budget_computable(s: Settings) -> bool:
    low, high = sizing.DEPLOYMENT_MAXIMUM_PERCENT_RANGE
    return (
        s.db_instance_class in sizing.DB_INSTANCE_MEMORY_GIB
        and all(1 <= count <= 64 for count in (s.gunicorn_threads, s.gunicorn_workers, s.celery_concurrency))
        and 1 <= s.web_min_tasks <= s.web_max_tasks
        and s.worker_tasks >= 1
        and all(low <= percent <= high
                for percent in (s.web_deployment_maximum_percent, s.worker_deployment_maximum_percent))
    )  # fmt: skip


def _ways_out(s: Settings, peak: int) -> list[str]:
    """Each single change that brings the worst moment within the class, with its figure."""
    ways = []
    family = s.db_instance_class.split(".")[1]
    larger = sorted(  # the smallest that fits, in the same family when two allow as many
        (sizing.rds_usable_connections(name), name.split(".")[1] != family, name)
        for name in sizing.DB_INSTANCE_MEMORY_GIB
        if sizing.rds_usable_connections(name) >= peak
    )
    if larger:
        connections, _other_family, name = larger[0]
        ways.append(f"dbInstanceClass {name} (allows {connections})")
    for key, attribute, lowest in (
        ("webMaxTasks", "web_max_tasks", s.web_min_tasks),
        ("gunicornThreads", "gunicorn_threads", 1),
        ("gunicornWorkers", "gunicorn_workers", 1),
    ):
        most = _most_that_fits(s, attribute, lowest)
        if most is not None:
            peak_then = _with(s, attribute, most).connection_budget.peak_total
            ways.append(f"{key} at most {most} (worst moment {peak_then})")
    if (s.web_deployment_maximum_percent, s.worker_deployment_maximum_percent) != (100, 100):
        in_place = replace(s, web_deployment_maximum_percent=100, worker_deployment_maximum_percent=100)
        if in_place.connection_budget.fits and s.web_min_tasks >= 2:
            ways.append(
                "webDeploymentMaximumPercent and workerDeploymentMaximumPercent 100, replacing tasks in "
                f"place (worst moment {in_place.connection_budget.peak_total})"
            )
    return ways


def _most_that_fits(s: Settings, attribute: str, lowest: int) -> int | None:
    """The largest value of `attribute` from `lowest` up to its current one that fits, or None."""
    if not _with(s, attribute, lowest).connection_budget.fits:
        return None
    low, high = lowest, getattr(s, attribute)  # low fits, high does not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _with(s, attribute, middle).connection_budget.fits else (low, middle)
    return low


def _with(s: Settings, attribute: str, value: int) -> Settings:
    changes: dict[str, Any] = {attribute: value}
    return replace(s, **changes)
