"""Database: the RDS PostgreSQL instance, its backups and maintenance, and the connection budget
the web and worker tiers must fit into."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from superset_stack import sizing
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
    if s.db_instance_class not in sizing.DB_INSTANCE_MEMORY_GIB:
        known = ", ".join(sizing.DB_INSTANCE_MEMORY_GIB)
        problems.append(Problem("dbInstanceClass", f"unknown class {s.db_instance_class!r}; known: {known}"))
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
    """Peak metadata connections of every tier fit what the instance class allows (the guide's
    pitfall 1); checked only when the class and the gunicorn counts are valid themselves."""
    if not (
        s.db_instance_class in sizing.DB_INSTANCE_MEMORY_GIB
        and s.gunicorn_threads >= 1
        and s.gunicorn_workers >= 1
    ):
        return []
    budget = s.connection_budget
    if budget.fits:
        return []
    return [
        Problem(
            "dbInstanceClass",
            f"connection budget exceeded: {budget.explain()}; use a larger "
            f"dbInstanceClass, fewer webMaxTasks or gunicornWorkers, or fewer gunicornThreads",
        )
    ]
