"""What users see when a part of the twin fails, and that it recovers (docs/failure-behaviour.md).

Each test restores what it broke: the twin is shared with the other end-to-end tests.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from typing import Any

import requests

from superset_stack.local.processes import is_running
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
        # the user comes from the snapshot cache; the list query fails, which Superset answers with 422
        assert down["chart list"] == 422
        assert "Connection refused" in api.get("/api/v1/chart/").json()["error"]
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


def _submit(api: Api, chart: Chart, client_id: str, sql: str) -> int:
    """An async SQL Lab query (Celery runs it); its id."""
    submitted = api.post("/api/v1/sqllab/execute/", {
        "database_id": chart.database_id, "schema": "public", "runAsync": True, "client_id": client_id, "sql": sql,
    })  # fmt: skip
    assert submitted.status_code == 202, submitted.text
    return int(submitted.json()["query"]["serverId"])


def _query(api: Api, query_id: int) -> dict[str, Any]:
    response = api.get(f"/api/v1/query/{query_id}")
    assert response.status_code == 200, response.text
    return dict(response.json()["result"])


def _wait_for(api: Api, query_id: int, status: str, *, passing: tuple[str, ...], seconds: float = 60) -> None:
    """Until the query has `status`; any status but those in `passing` on the way fails the test."""
    deadline = time.monotonic() + seconds
    while (query := _query(api, query_id))["status"] != status:
        assert query["status"] in passing, query
        assert time.monotonic() < deadline, f"query not {status} within {seconds} s: {query}"
        time.sleep(0.5)


def _statements(twin: Twin, where: str) -> int:
    """How many statements on the analytics database match `where` (pg_stat_activity), this one aside."""
    return int(twin.postgres().psql("analytics", f"SELECT count(*) FROM pg_stat_activity WHERE {where} "
                                                 "AND pid <> pg_backend_pid()"))  # fmt: skip


# Minutes of CPU, long enough to be killed mid-way (pg_sleep is among Superset's disallowed functions).
LONG_QUERY = "SELECT count(*) AS long_query_probe FROM generate_series(1, 100000) AS a, generate_series(1, 100000) AS b"
LONG_QUERY_RUNS = "query LIKE '%long_query_probe%' AND state = 'active'"


def test_a_killed_celery_pool_process_fails_its_query_clearly_and_cancels_the_statement(
    twin: Twin, api: Api, chart: Chart
) -> None:
    query_id = _submit(api, chart, "e2eLost1", LONG_QUERY)
    _wait_for(api, query_id, "running", passing=("pending",))
    deadline = time.monotonic() + 30
    while _statements(twin, LONG_QUERY_RUNS) != 1:
        assert time.monotonic() < deadline, "the statement did not reach the database within 30 s"
        time.sleep(0.5)

    pool = _children(twin.state()["processes"]["worker"])
    assert len(pool) == twin.options.celery_concurrency
    for pid in pool:  # the one running the query among them, as the kernel's OOM killer would
        os.kill(pid, signal.SIGKILL)
    try:
        _wait_for(api, query_id, "failed", passing=("running",))
        message = _query(api, query_id)["error_message"]
        assert message.startswith("The Celery worker process running this query stopped"), message
        assert "signal 9" in message, message
        # cancelled on the database, not left burning a core (pg_cancel_backend signals the backend,
        # which leaves pg_stat_activity a moment later)
        deadline = time.monotonic() + 10
        while _statements(twin, LONG_QUERY_RUNS) != 0:
            assert time.monotonic() < deadline, "the statement still runs 10 s after the query failed"
            time.sleep(0.2)
    finally:
        twin.postgres().psql("analytics", f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                          f"WHERE {LONG_QUERY_RUNS} AND pid <> pg_backend_pid()")  # fmt: skip

    # the replaced pool processes run the next query
    _wait_for(
        api, _submit(api, chart, "e2eLost2", "SELECT 1 AS n"), "success", passing=("pending", "running")
    )


def test_a_stopped_celery_worker_finishes_its_running_query_before_it_exits(
    twin: Twin, api: Api, chart: Chart
) -> None:
    # The query waits on a table lock held for a few seconds: it is running when SIGTERM comes.
    locker = threading.Thread(target=twin.postgres().psql, args=(
        "analytics", "BEGIN; LOCK TABLE sales IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT;"))  # fmt: skip
    locker.start()
    try:
        deadline = time.monotonic() + 30
        while _statements(twin, "query LIKE 'BEGIN; LOCK TABLE sales%'") != 1:
            assert time.monotonic() < deadline, "the lock was not taken within 30 s"
            time.sleep(0.2)
        query_id = _submit(api, chart, "e2eStop1", "SELECT COUNT(*) AS n FROM sales")
        _wait_for(api, query_id, "running", passing=("pending",))
        worker = twin.state()["processes"]["worker"]
        os.kill(worker, signal.SIGTERM)  # what ECS sends first on a deploy, scale-in or Spot interruption
        _wait_for(api, query_id, "success", passing=("running",))
    finally:
        locker.join()
    deadline = time.monotonic() + 60
    while is_running(worker):
        assert time.monotonic() < deadline, "the worker did not exit within 60 s of SIGTERM"
        time.sleep(0.5)
    assert "Warm shutdown" in (twin.logs / "worker.log").read_text()

    twin.start_role("worker")  # what ECS does next: a new task, which runs the next query
    _wait_for(
        api,
        _submit(api, chart, "e2eStop2", "SELECT 1 AS n"),
        "success",
        passing=("pending", "running"),
        seconds=120,
    )


TASK_LIMITS = """
import importlib, json
from superset.tasks.celery_app import app
for module in app.conf.imports:
    importlib.import_module(module)
print(json.dumps({
    "visibility_timeout": app.conf.broker_transport_options["visibility_timeout"],
    "time_limits": {name: task.time_limit for name, task in app.tasks.items() if not name.startswith("celery.")},
}))
"""


def test_no_superset_task_may_run_longer_than_the_broker_visibility_timeout(twin: Twin) -> None:
    # Redis redelivers an unacknowledged message after the visibility timeout even while a worker
    # holds it; a limit above the timeout would let a reserved task run twice.
    dumped = subprocess.run(
        [str(twin.options.runtime / "bin" / "python"), "-c", TASK_LIMITS],
        env=twin.process_environment(), capture_output=True, text=True, check=False, timeout=180,
    )  # fmt: skip
    assert dumped.returncode == 0, dumped.stderr
    config = json.loads(dumped.stdout.strip().splitlines()[-1])
    limits = config["time_limits"]
    assert limits["sql_lab.get_sql_results"] == 6 * 3600 + 60  # Superset's longest: what the timeout covers
    assert {
        name: limit for name, limit in limits.items() if limit and limit >= config["visibility_timeout"]
    } == {}
