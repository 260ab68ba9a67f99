"""Compute: Fargate task sizes and counts, gunicorn and Celery processes, the alarm thresholds
autoscaling works below, and Fargate Spot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from superset_stack import sizing
from superset_stack.validators._problem import Problem

if TYPE_CHECKING:
    from superset_stack.settings import Settings


def validate_task_sizes(s: Settings) -> list[Problem]:
    """Web and worker cpu/memory pairs Fargate accepts."""
    problems = []
    for prefix, cpu, memory in (
        ("web", s.web_cpu, s.web_memory_mib),
        ("worker", s.worker_cpu, s.worker_memory_mib),
    ):
        size_error = sizing.fargate_size_error(cpu, memory)
        if size_error:
            problems.append(
                Problem(f"{prefix}Cpu/{prefix}MemoryMib", f"Fargate rejects this size: {size_error}")
            )
    return problems


def validate_task_counts(s: Settings) -> list[Problem]:
    """At least one web task, a ceiling not below the floor, and at least one Celery worker."""
    problems = []
    if s.web_min_tasks < 1:
        problems.append(Problem("webMinTasks", f"must be at least 1, got {s.web_min_tasks}"))
    if s.web_max_tasks < s.web_min_tasks:
        problems.append(Problem("webMaxTasks", f"{s.web_max_tasks} is below webMinTasks {s.web_min_tasks}"))
    if s.worker_tasks < 1:
        problems.append(
            Problem(
                "workerTasks",
                f"must be at least 1 (reports and async queries need a worker), got {s.worker_tasks}",
            )
        )
    return problems


def validate_processes(s: Settings) -> list[Problem]:
    """1-64 gunicorn workers, threads and Celery processes, and gunicorn workers that fit the web
    task's memory."""
    problems = [
        Problem(key, f"must be 1-64, got {count}")
        for key, count in (
            ("gunicornWorkers", s.gunicorn_workers),
            ("gunicornThreads", s.gunicorn_threads),
            ("celeryConcurrency", s.celery_concurrency),
        )
        if not 1 <= count <= 64
    ]
    needed = sizing.gunicorn_memory_mib(s.gunicorn_workers)
    if s.gunicorn_workers >= 1 and needed > s.web_memory_mib:
        problems.append(
            Problem(
                "gunicornWorkers",
                f"{s.gunicorn_workers} workers need about {needed} MiB "
                f"({sizing.GUNICORN_WORKER_RSS_MIB} MiB each "
                f"plus {sizing.GUNICORN_MASTER_AND_HEADROOM_MIB}); "
                f"webMemoryMib is {s.web_memory_mib}: lower the workers or raise the memory",
            )
        )
    return problems


def validate_rollouts(s: Settings) -> list[Problem]:
    """Deployment maximum percents of 100-200 with which ECS can replace a task: above 100, room to
    start one beside the smallest count; at 100, web keeps half running, so it needs two tasks."""
    low, high = sizing.DEPLOYMENT_MAXIMUM_PERCENT_RANGE
    problems = []
    for key, maximum, minimum, (count_key, tasks) in (
        ("webDeploymentMaximumPercent", s.web_deployment_maximum_percent,
         s.web_deployment_minimum_healthy_percent, ("webMinTasks", s.web_min_tasks)),
        ("workerDeploymentMaximumPercent", s.worker_deployment_maximum_percent,
         s.worker_deployment_minimum_healthy_percent, ("workerTasks", s.worker_tasks)),
    ):  # fmt: skip
        if not low <= maximum <= high:
            problems.append(Problem(key, f"must be {low}-{high}, got {maximum}"))
        elif tasks >= 1 and not sizing.rollout_progresses(tasks, maximum, minimum):
            if maximum == low:
                why = f"replaces tasks in place keeping half running, which needs {count_key} of at least 2"
            else:
                needed = low + -(-100 // tasks)
                why = (
                    f"lets ECS run only {tasks * maximum // 100} tasks while {count_key} {tasks} stay up, "
                    f"so no new one can start; use at least {needed}, or {low} to replace tasks in place"
                )
            problems.append(Problem(key, f"{maximum} {why}"))
    return problems


def validate_alarm_thresholds(s: Settings) -> list[Problem]:
    """CPU and memory alarm thresholds at most 100 and high enough that the autoscaling target,
    a fixed number of points below each, is at least 1."""
    problems = []
    for key, percent, target in (
        ("alarmCpuPercent", s.alarm_cpu_percent, s.autoscaling_cpu_target_percent),
        ("alarmMemoryPercent", s.alarm_memory_percent, s.autoscaling_memory_target_percent),
    ):
        headroom = percent - target  # the settings' fixed headroom, the same for any threshold
        if not headroom < percent <= 100:
            problems.append(
                Problem(
                    key,
                    f"must be {headroom + 1}-100, got {percent} "
                    f"(autoscaling targets {headroom} points below it, and a target must be at least 1)",
                )
            )
    return problems


def validate_fargate_spot(s: Settings) -> list[Problem]:
    """Fargate Spot only with X86_64 tasks."""
    if s.fargate_spot and s.cpu_architecture != "X86_64":
        return [
            Problem(
                "fargateSpot",
                f"Fargate Spot runs only X86_64 tasks, but cpuArchitecture is {s.cpu_architecture}; "
                "set cpuArchitecture X86_64 or fargateSpot false",
            )
        ]
    return []


def validate_worker_memory(s: Settings) -> list[Problem]:
    """A worker task big enough for every Celery process taking a report's screenshot at once."""
    needed = sizing.worker_memory_needed_mib(s.celery_concurrency)
    if 1 <= s.celery_concurrency <= 64 and needed > s.worker_memory_mib:
        return [
            Problem(
                "workerMemoryMib",
                f"{s.celery_concurrency} Celery processes, each with a report's browser, need about {needed} "
                f"MiB ({sizing.CELERY_MAIN_MIB} for Celery, {sizing.CELERY_CHILD_MIB} per process and "
                f"{sizing.REPORT_BROWSER_MIB} per browser, {sizing.WORKER_HEADROOM_MIB} headroom); "
                f"workerMemoryMib is {s.worker_memory_mib}: lower celeryConcurrency or raise the memory",
            )
        ]
    return []
