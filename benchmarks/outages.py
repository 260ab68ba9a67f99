"""Failures under load: something breaks while users keep asking; errors before, during and after.

The deterministic halves (what users see, that it recovers) are tests (tests/e2e/test_failures.py);
these runs measure the rates: how many requests fail while it is broken, and whether any fail once
it is back.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from benchmarks import report
from benchmarks.bench import STOCK, TUNED, Bench, WebVariant, warm_up
from benchmarks.load import LocustRun

USERS = 20
BEFORE_SECONDS, BROKEN_SECONDS, AFTER_SECONDS = 10, 10, 20


@dataclass(frozen=True)
class OutageResult:
    failure: str
    variant: str
    scenario: str
    users: int
    before: tuple[int, int]  # (requests, failures)
    during: tuple[int, int]
    after: tuple[int, int]


def _kill_a_worker(bench: Bench) -> None:
    (master,) = bench.webs.values()
    os.kill(psutil.Process(master).children()[0].pid, signal.SIGKILL)


@dataclass(frozen=True)
class _Case:
    failure: str
    variant: WebVariant
    scenario: str
    user_class: str
    breaking: Callable[[], object]
    restoring: Callable[[], object]


def _cases(bench: Bench) -> tuple[_Case, ...]:
    twin = bench.twin
    return (
        _Case("Redis stopped", TUNED, "chart data", "ChartData",
              lambda: twin.stop_store("redis"), lambda: twin.start_store("redis")),
        _Case("PostgreSQL restarted", TUNED, "dashboard", "Dashboard",
              lambda: twin.stop_store("postgres"), lambda: twin.start_store("postgres")),
        _Case("PostgreSQL restarted", STOCK, "dashboard", "Dashboard",
              lambda: twin.stop_store("postgres"), lambda: twin.start_store("postgres")),
        _Case("A web worker killed (SIGKILL)", TUNED, "chart data", "ChartData",
              lambda: _kill_a_worker(bench), lambda: None),
    )  # fmt: skip


def outages(bench: Bench, fixture_path: Path, fixture: dict[str, object]) -> list[OutageResult]:
    results: list[OutageResult] = []
    for case in _cases(bench):
        bench.log(f"under load: {case.failure}, {case.variant.name}, {USERS} users of {case.scenario}")
        url = bench.start_web(case.variant)
        warm_up(url, fixture)
        seconds = 5 + BEFORE_SECONDS + BROKEN_SECONDS + AFTER_SECONDS
        run = LocustRun(
            classes=[case.user_class],
            users=USERS,
            seconds=seconds,
            host=url,
            fixture=fixture_path,
            prefix=bench.state / "locust" / f"outage-{len(results)}",
            reset_stats=False,
            history=True,
        )
        process = run.start()
        time.sleep(5 + BEFORE_SECONDS)  # 5 s for the users to log in
        broken = time.time()
        case.breaking()
        time.sleep(BROKEN_SECONDS)
        case.restoring()
        restored = time.time()
        run.finish(process)
        history = report.read_locust_history(run.stats_history)
        results.append(OutageResult(
            case.failure, case.variant.name, case.scenario, USERS,
            # counts arrive once a second: the repair's own second still belongs to the outage
            before=report.window(history, 0, broken), during=report.window(history, broken, restored + 1),
            after=report.window(history, restored + 1, float("inf")),
        ))  # fmt: skip
        bench.stop_webs()
    return results
