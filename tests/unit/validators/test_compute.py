"""Compute: Fargate sizes, task counts, processes per task, alarm thresholds, Fargate Spot."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from superset_stack.validators import Problem
from superset_stack.validators.compute import (
    validate_alarm_thresholds,
    validate_fargate_spot,
    validate_processes,
    validate_rollouts,
    validate_task_counts,
    validate_task_sizes,
)
from tests.conftest import make_settings

DEV = make_settings("dev")  # web 512 cpu / 1024 MiB, 2 gunicorn workers, 1-2 web tasks, Spot on X86_64


def test_fargate_pair_aws_rejects() -> None:
    assert validate_task_sizes(replace(DEV, web_cpu=512, web_memory_mib=8192)) == [
        Problem(
            "webCpu/webMemoryMib",
            "Fargate rejects this size: memory 8192 MiB does not pair with cpu 512; allowed: 1024-4096 MiB "
            "in steps of 1024",
        )
    ]
    assert [p.key for p in validate_task_sizes(replace(DEV, worker_cpu=3000))] == [
        "workerCpu/workerMemoryMib"
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"web_min_tasks": 0}, Problem("webMinTasks", "must be at least 1, got 0")),
        ({"web_max_tasks": 0}, Problem("webMaxTasks", "0 is below webMinTasks 1")),
        (
            {"worker_tasks": 0},
            Problem("workerTasks", "must be at least 1 (reports and async queries need a worker), got 0"),
        ),
    ],
)
def test_task_counts(changes: dict[str, Any], expected: Problem) -> None:
    assert validate_task_counts(replace(DEV, **changes)) == [expected]


class TestProcesses:
    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            ({"celery_concurrency": 0}, Problem("celeryConcurrency", "must be 1-64, got 0")),
            ({"gunicorn_threads": 65}, Problem("gunicornThreads", "must be 1-64, got 65")),
            ({"gunicorn_workers": 0}, Problem("gunicornWorkers", "must be 1-64, got 0")),
        ],
    )
    def test_counts(self, changes: dict[str, Any], expected: Problem) -> None:
        assert validate_processes(replace(DEV, **changes)) == [expected]

    def test_too_many_gunicorn_workers_for_the_memory(self) -> None:
        assert validate_processes(replace(DEV, gunicorn_workers=4)) == [
            Problem(
                "gunicornWorkers",
                "4 workers need about 1616 MiB (340 MiB each plus 256); webMemoryMib is 1024: lower the "
                "workers or raise the memory",
            )
        ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"alarm_cpu_percent": 101},
            Problem(
                "alarmCpuPercent",
                "must be 21-100, got 101 (autoscaling targets 20 points below it, and a target must be at "
                "least 1)",
            ),
        ),
        (
            {"alarm_cpu_percent": 20},
            Problem(
                "alarmCpuPercent",
                "must be 21-100, got 20 (autoscaling targets 20 points below it, and a target must be at "
                "least 1)",
            ),
        ),
        (
            {"alarm_memory_percent": 10},
            Problem(
                "alarmMemoryPercent",
                "must be 11-100, got 10 (autoscaling targets 10 points below it, and a target must be at "
                "least 1)",
            ),
        ),
    ],
)
def test_alarm_thresholds(changes: dict[str, Any], expected: Problem) -> None:
    assert validate_alarm_thresholds(replace(DEV, **changes)) == [expected]
    assert validate_alarm_thresholds(replace(DEV, alarm_cpu_percent=21, alarm_memory_percent=11)) == []


def test_spot_needs_x86() -> None:
    assert validate_fargate_spot(replace(DEV, cpu_architecture="ARM64")) == [
        Problem(
            "fargateSpot",
            "Fargate Spot runs only X86_64 tasks, but cpuArchitecture is ARM64; set cpuArchitecture X86_64 "
            "or fargateSpot false",
        )
    ]
    assert validate_fargate_spot(replace(DEV, cpu_architecture="ARM64", fargate_spot=False)) == []


class TestRollouts:
    def test_the_presets_start_new_tasks_beside_the_old(self) -> None:
        assert validate_rollouts(DEV) == []
        assert (
            DEV.web_deployment_minimum_healthy_percent,
            DEV.worker_deployment_minimum_healthy_percent,
        ) == (100, 100)

    def test_in_place_rollouts(self) -> None:
        two_web = replace(
            DEV, web_min_tasks=2, web_deployment_maximum_percent=100, worker_deployment_maximum_percent=100
        )
        assert validate_rollouts(two_web) == []
        # web keeps half running; a single worker is stopped before its replacement starts
        assert (
            two_web.web_deployment_minimum_healthy_percent,
            two_web.worker_deployment_minimum_healthy_percent,
        ) == (
            50,
            0,
        )
        assert replace(two_web, worker_tasks=3).worker_deployment_minimum_healthy_percent == 50

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            ({"web_deployment_maximum_percent": 250},
             Problem("webDeploymentMaximumPercent", "must be 100-200, got 250")),
            ({"worker_deployment_maximum_percent": 99},
             Problem("workerDeploymentMaximumPercent", "must be 100-200, got 99")),
            ({"web_deployment_maximum_percent": 100},
             Problem("webDeploymentMaximumPercent",
                     "100 replaces tasks in place keeping half running, which needs webMinTasks of at least 2")),
            ({"web_deployment_maximum_percent": 150},
             Problem("webDeploymentMaximumPercent",
                     "150 lets ECS run only 1 tasks while webMinTasks 1 stay up, so no new one can start; use at "
                     "least 200, or 100 to replace tasks in place")),
            ({"worker_tasks": 3, "worker_deployment_maximum_percent": 133},
             Problem("workerDeploymentMaximumPercent",
                     "133 lets ECS run only 3 tasks while workerTasks 3 stay up, so no new one can start; use at "
                     "least 134, or 100 to replace tasks in place")),
        ],
    )  # fmt: skip
    def test_percents_with_which_ecs_could_replace_nothing(
        self, changes: dict[str, Any], expected: Problem
    ) -> None:
        assert validate_rollouts(replace(DEV, **changes)) == [expected]
