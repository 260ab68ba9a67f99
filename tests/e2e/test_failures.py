"""What users see when a part of the twin fails, and that it recovers (docs/failure-behaviour.md).

Each test restores what it broke: the twin is shared with the other end-to-end tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import requests

from superset_stack.local.twin import Twin
from tests.e2e.conftest import Api, Chart


def statuses(twin: Twin, api: Api, chart: Chart) -> dict[str, int]:
    base = twin.superset_url()
    return {
        "health": requests.get(f"{base}/health", timeout=30).status_code,
        "login page": requests.get(f"{base}/login/", timeout=30).status_code,
        "chart list": api.get("/api/v1/chart/").status_code,
        "chart data": api.post("/api/v1/chart/data", chart.query_context).status_code,
    }


def is_cached(api: Api, chart: Chart) -> bool:
    response = api.post("/api/v1/chart/data", chart.query_context)
    assert response.status_code == 200, response.text
    return bool(response.json()["result"][0]["is_cached"])


def test_a_redis_outage_serves_uncached_and_caches_again_afterwards(
    twin: Twin, api: Api, chart: Chart
) -> None:
    is_cached(api, chart)
    assert is_cached(api, chart)
    twin.stop_store("redis")
    try:
        # the rate limiter counts in memory and the data cache misses: nothing fails, /health included
        assert statuses(twin, api, chart) == {
            "health": 200,
            "login page": 200,
            "chart list": 200,
            "chart data": 200,
        }
        assert not is_cached(api, chart)
    finally:
        twin.start_store("redis")
    deadline = time.monotonic() + 30  # the cache's circuit stays open a few seconds after an error
    while not is_cached(api, chart):
        assert time.monotonic() < deadline, "chart data was not cached again within 30 s of Redis returning"
        time.sleep(1)


def test_a_postgres_restart_fails_requests_only_while_it_is_down(twin: Twin, api: Api, chart: Chart) -> None:
    for _ in range(10):  # every pooled connection in use at least once, so a stale one would be met
        assert api.get("/api/v1/chart/").status_code == 200
    twin.stop_store("postgres")
    try:
        down = statuses(twin, api, chart)
        assert down["health"] == 200  # the load balancer keeps the tasks while the database fails over
        assert down["chart list"] == 500
    finally:
        twin.start_store("postgres")
    # pool_pre_ping replaces the connections the restart broke: no error after the outage
    after = [api.get("/api/v1/chart/").status_code for _ in range(20)]
    assert after == [200] * 20
    assert api.post("/api/v1/chart/data", chart.query_context).status_code == 200


def _children(pid: int) -> list[int]:
    listed = subprocess.run(
        ["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True, check=False
    )
    return [int(line) for line in listed.stdout.split()]


def test_a_killed_gunicorn_worker_is_replaced_and_serving_continues(twin: Twin, api: Api) -> None:
    master = twin.state()["processes"]["web"]
    workers = _children(master)
    assert len(workers) == twin.options.gunicorn_workers
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 90
    while True:
        current = _children(master)
        if len(current) == len(workers) and workers[0] not in current:
            break
        assert time.monotonic() < deadline, f"gunicorn did not replace worker {workers[0]}: {current}"
        time.sleep(0.5)
    deadline = time.monotonic() + 90  # the new worker loads Superset before it answers
    while api.get("/api/v1/chart/").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(1)
    assert [api.get("/api/v1/chart/").status_code for _ in range(10)] == [200] * 10
