"""Database: engine, class, storage, monitoring, backups and maintenance, connection budget."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from superset_stack.runtime import rds_ca
from superset_stack.validators import Problem
from superset_stack.validators.database import (
    validate_backups_and_maintenance,
    validate_ca_region,
    validate_connection_budget,
    validate_drill_instance,
    validate_instance,
)
from tests.conftest import make_settings

DEV = make_settings("dev")  # db.t4g.micro, 20 GiB up to 50, backups 03:00-04:00, maintenance sun:04:30-05:30


class TestCaRegion:
    def test_a_region_whose_root_ca_the_bundle_holds(self) -> None:
        assert validate_ca_region(DEV) == []  # us-east-1

    def test_a_region_outside_the_bundle_is_refused_with_the_way_out(self) -> None:
        # ca-west-1 opened after the certificates in the repository's bundle
        (problem,) = validate_ca_region(replace(DEV, region="ca-west-1"))
        assert problem.key == "aws:region"
        assert problem.text.startswith(
            "the image's RDS CA bundle (runtime/rds-ca-bundle.pem) has no Amazon RDS ca-west-1 Root CA "
            "RSA2048 G1, which signs the database's certificate (rds-ca-rsa2048-g1), so no task could "
            "verify it. Refresh the bundle on a machine that reaches truststore.pki.rds.amazonaws.com "
            "(python -m superset_stack.runtime.rds_ca refresh), or set imageUri to an image that trusts "
            "it; covered: af-south-1, ap-east-1, "
        )
        assert ", us-east-1, " in problem.text

    @pytest.mark.parametrize("region", ["us-gov-west-1", "cn-north-1"])
    def test_govcloud_and_china_need_a_bundle_no_refresh_brings(self, region: str) -> None:
        assert validate_ca_region(replace(DEV, region=region)) == [
            Problem("aws:region", f"{region} is in a partition whose RDS CAs are a bundle of their own "
                    "(GovCloud, China), which this image does not carry and a refresh of the commercial "
                    "bundle cannot add. Set imageUri to an image that trusts them")
        ]  # fmt: skip

    def test_a_malformed_region_is_reported_once_by_settings_not_here(self) -> None:
        assert validate_ca_region(replace(DEV, region="mars-1")) == []

    def test_a_prebuilt_image_brings_its_own_bundle(self) -> None:
        prebuilt = replace(DEV, region="us-gov-west-1", image_uri="registry/superset@sha256:" + "a" * 64)
        assert validate_ca_region(prebuilt) == []

    def test_an_unreadable_bundle_is_a_problem_not_a_traceback(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def missing() -> frozenset[str]:
            raise FileNotFoundError(2, "No such file or directory")

        monkeypatch.setattr(rds_ca, "covered_regions", missing)
        (problem,) = validate_ca_region(DEV)
        assert problem == Problem(
            "aws:region",
            "the image's RDS CA bundle (runtime/rds-ca-bundle.pem) cannot be read ([Errno 2] No such file "
            "or directory); restore it from the repository, or set imageUri",
        )
        # a prebuilt image does not need it, so it is not read
        assert validate_ca_region(replace(DEV, image_uri="registry/superset@sha256:" + "a" * 64)) == []


class TestInstance:
    def test_unknown_instance_class(self) -> None:
        (problem,) = validate_instance(replace(DEV, db_instance_class="db.t2.nano"))
        assert problem.key == "dbInstanceClass"
        assert problem.text.startswith("unknown class 'db.t2.nano'; known: db.t3.micro, ")

    def test_the_drill_instance_class_is_checked_like_the_databases(self) -> None:
        assert validate_drill_instance(DEV) == []  # empty: the database's own class
        assert validate_drill_instance(replace(DEV, drill_instance_class="db.t4g.small")) == []
        (problem,) = validate_drill_instance(replace(DEV, drill_instance_class="db.t2.nano"))
        assert problem.key == "drillInstanceClass"
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
    def test_the_worst_moment_is_refused_with_both_figures_and_the_ways_out(self) -> None:
        settings = replace(DEV, web_max_tasks=10, gunicorn_threads=8, web_cpu=1024, web_memory_mib=2048,
                           celery_concurrency=2)  # fmt: skip
        assert validate_connection_budget(settings) == [
            Problem(
                "dbInstanceClass",
                "connection budget exceeded at the worst moment: steady 200 (web 10 tasks x 2 workers x pool 8+2) "
                "+ 6 (worker 1 tasks x (2 children x pool 1+1 + main process + health check)) + 1 (beat 1) + 3 "
                "(operators) = 210; worst moment (web and worker mid-rollout at their ceilings) 400 (web 20 tasks "
                "x 2 workers x pool 8+2) + 12 (worker 2 tasks x (2 children x pool 1+1 + main process + health "
                "check)) + 1 (beat 1) + 2 (migration task) + 3 (operators) = 418; db.t4g.micro allows 80 to the "
                "application (85 max_connections - 5 reserved). Ways out: dbInstanceClass db.t4g.large (allows "
                "851); webMaxTasks at most 1 (worst moment 58)",
            )
        ]

    def test_a_prod_variant_that_fit_in_steady_state_is_refused_for_its_rollout(self) -> None:
        # 12 web tasks: 480 + 20 + 1 + 3 = 504 in steady state, under the old 80 % budget of 680; a
        # rollout at the ceiling runs 24 web and 4 worker tasks: 1006 of 851
        prod = make_settings("prod")
        (problem,) = validate_connection_budget(replace(prod, web_max_tasks=12))
        assert problem.text.endswith(
            "= 1006; db.m7g.large allows 851 to the application (856 max_connections - 5 reserved). Ways out: "
            "dbInstanceClass db.m7g.xlarge (allows 1695); webMaxTasks at most 10 (worst moment 846); "
            "gunicornThreads at most 7 (worst moment 814); gunicornWorkers at most 3 (worst moment 766); "
            "webDeploymentMaximumPercent and workerDeploymentMaximumPercent 100, replacing tasks in place "
            "(worst moment 506)"
        )
        assert validate_connection_budget(replace(prod, web_max_tasks=10)) == []
        in_place = replace(
            prod, web_max_tasks=12, web_deployment_maximum_percent=100, worker_deployment_maximum_percent=100
        )
        assert validate_connection_budget(in_place) == []

    def test_when_no_single_change_fits(self) -> None:
        # 6446 connections at the worst moment: more than any class allows (5000 at most)
        crowded = replace(
            make_settings("prod"), db_instance_class="db.t4g.micro", web_min_tasks=9, gunicorn_threads=64
        )
        (problem,) = validate_connection_budget(crowded)
        assert problem.text.endswith(
            "= 6446; db.t4g.micro allows 80 to the application (85 max_connections - 5 reserved). Ways out: no "
            "single change fits; combine them (a larger class, fewer tasks, threads or workers, rollouts at 100 "
            "percent)"
        )

    @pytest.mark.parametrize(
        "changes",
        [
            {"db_instance_class": "db.t2.nano"},
            {"gunicorn_threads": 0},
            {"celery_concurrency": 65},
            {"web_deployment_maximum_percent": 300},
            {"worker_tasks": 0},
        ],
    )
    def test_silent_while_its_inputs_are_invalid(self, changes: dict[str, Any]) -> None:
        # their own validators report the class and the count; a budget over them cannot be computed
        crowded = replace(DEV, web_max_tasks=100)
        assert len(validate_connection_budget(crowded)) == 1
        assert validate_connection_budget(replace(crowded, **changes)) == []
