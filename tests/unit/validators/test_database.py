"""Database: engine, class, storage, monitoring, backups and maintenance, connection budget."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from superset_stack.validators import Problem
from superset_stack.validators.database import (
    validate_backups_and_maintenance,
    validate_connection_budget,
    validate_instance,
)
from tests.conftest import make_settings

DEV = make_settings("dev")  # db.t4g.micro, 20 GiB up to 50, backups 03:00-04:00, maintenance sun:04:30-05:30


class TestInstance:
    def test_unknown_instance_class(self) -> None:
        (problem,) = validate_instance(replace(DEV, db_instance_class="db.t2.nano"))
        assert problem.key == "dbInstanceClass"
        assert problem.text.startswith("unknown class 'db.t2.nano'; known: db.t3.micro, ")

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            (
                {"db_engine_version": "latest"},
                Problem("dbEngineVersion", "expected a version such as 18 or 18.3, got 'latest'"),
            ),
            (
                {"db_engine_version": "14"},
                Problem("dbEngineVersion", "PostgreSQL 14 is too old; use 16 or newer"),
            ),
            (
                {"db_allocated_storage_gib": 10},
                Problem("dbAllocatedStorageGib", "must be 20-65536 GiB for gp3, got 10"),
            ),
            (
                {"db_max_allocated_storage_gib": 10},
                Problem(
                    "dbMaxAllocatedStorageGib",
                    "10 is below dbAllocatedStorageGib 20; use 0 to turn autoscaling off",
                ),
            ),
            (
                {"db_monitoring_interval_seconds": 20},
                Problem("dbMonitoringIntervalSeconds", "allowed: 0, 1, 5, 10, 15, 30, 60; got 20"),
            ),
        ],
    )
    def test_instance(self, changes: dict[str, Any], expected: Problem) -> None:
        assert validate_instance(replace(DEV, **changes)) == [expected]


class TestBackupsAndMaintenance:
    def test_maintenance_window_overlapping_backups(self) -> None:
        settings = replace(DEV, db_backup_window="03:00-04:00", db_maintenance_window="tue:03:30-tue:04:30")
        assert validate_backups_and_maintenance(settings) == [
            Problem("dbMaintenanceWindow", "tue:03:30-tue:04:30 overlaps the backup window 03:00-04:00")
        ]

    def test_windows_that_wrap_midnight_and_the_week(self) -> None:
        settings = replace(DEV, db_backup_window="03:00-04:00", db_maintenance_window="sun:23:00-mon:01:00")
        assert validate_backups_and_maintenance(settings) == []
        settings = replace(DEV, db_backup_window="23:30-00:30", db_maintenance_window="sun:23:00-mon:00:15")
        assert validate_backups_and_maintenance(settings) == [
            Problem("dbMaintenanceWindow", "sun:23:00-mon:00:15 overlaps the backup window 23:30-00:30")
        ]

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            (
                {"db_backup_window": "3am"},
                Problem("dbBackupWindow", "expected hh:mm-hh:mm in UTC, got '3am'"),
            ),
            (
                {"db_backup_window": "24:00-01:00"},
                Problem("dbBackupWindow", "expected hh:mm-hh:mm in UTC, got '24:00-01:00'"),
            ),
            (
                {"db_backup_window": "03:00-03:10"},
                Problem("dbBackupWindow", "must last at least 30 minutes, got '03:00-03:10'"),
            ),
            (
                {"db_maintenance_window": "sunday"},
                Problem("dbMaintenanceWindow", "expected ddd:hh:mm-ddd:hh:mm in UTC, got 'sunday'"),
            ),
            (
                {"db_maintenance_window": "sun:04:30-sun:04:40"},
                Problem("dbMaintenanceWindow", "must last at least 30 minutes, got 'sun:04:30-sun:04:40'"),
            ),
            (
                {"db_backup_retention_days": 0},
                Problem("dbBackupRetentionDays", "must be 1-35 (backups are never off), got 0"),
            ),
        ],
    )
    def test_backups_and_maintenance(self, changes: dict[str, Any], expected: Problem) -> None:
        assert validate_backups_and_maintenance(replace(DEV, **changes)) == [expected]


class TestConnectionBudget:
    def test_connection_budget_exceeded(self) -> None:
        settings = replace(DEV, web_max_tasks=10, gunicorn_threads=8, web_cpu=1024, web_memory_mib=2048)
        assert validate_connection_budget(settings) == [
            Problem(
                "dbInstanceClass",
                "connection budget exceeded: peak metadata connections 200 (web 10 tasks x 2 workers x pool "
                "8+2) + 2 (celery 1 tasks x concurrency 2) + 1 (beat 1) + 2 (migration task) + 3 (operators) "
                "= 208; db.t4g.micro allows 80 to the application and the budget keeps 64 of them; use a "
                "larger dbInstanceClass, fewer webMaxTasks or gunicornWorkers, or fewer gunicornThreads",
            )
        ]

    @pytest.mark.parametrize("changes", [{"db_instance_class": "db.t2.nano"}, {"gunicorn_threads": 0}])
    def test_silent_while_its_inputs_are_invalid(self, changes: dict[str, Any]) -> None:
        # their own validators report the class and the count; a budget over them cannot be computed
        crowded = replace(DEV, web_max_tasks=100)
        assert len(validate_connection_budget(crowded)) == 1
        assert validate_connection_budget(replace(crowded, **changes)) == []
