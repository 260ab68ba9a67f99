"""The local twin, driven over HTTP: Superset on real PostgreSQL, Redis and Celery."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import time

import redis
import requests

from superset_stack.contract import REDIS_DATABASES
from superset_stack.local.twin import Twin
from tests.e2e.conftest import Api, Chart, async_query_rows, login
from tests.runtime_venv import runtime_python


def test_health(twin: Twin) -> None:
    response = requests.get(f"{twin.superset_url()}/health", timeout=10)
    assert (response.status_code, response.text) == (200, "OK")


def test_the_container_health_checks_pass_on_the_twin(twin: Twin) -> None:
    """runtime/health.py as ECS runs it in the web and worker containers, with the twin's environment:
    gunicorn answers /health, the worker answers a ping to the node name the entrypoint gave it."""
    for role in ("web", "worker"):
        result = subprocess.run(
            [str(runtime_python()), "-m", "superset_stack.runtime.health", role],
            env=twin.process_environment(role), capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(": pong\n")


def test_version_details_are_not_public(twin: Twin) -> None:
    assert requests.get(f"{twin.superset_url()}/version", timeout=10).status_code == 404


def test_every_process_is_running_and_healthy(twin: Twin) -> None:
    status = twin.status()
    assert {name: (p["running"], p["healthy"]) for name, p in status["processes"].items()} == {
        name: (True, True) for name in ("postgres", "redis", "smtp", "web", "worker", "beat")
    }
    assert status["database_url"].startswith("postgresql://superset:")
    assert status["redis_url"] == f"redis://127.0.0.1:{twin.options.ports.redis}/0"


def test_login_with_the_admin_secret_and_a_wrong_password_is_refused(twin: Twin) -> None:
    base = twin.superset_url()
    assert login(base, "admin", twin.secrets()["admin_password"]).get("/api/v1/me/").status_code == 200
    wrong = requests.post(f"{base}/api/v1/security/login", timeout=10,
                          json={"username": "admin", "password": "not-the-password", "provider": "db"})  # fmt: skip
    assert wrong.status_code == 401


GRANT_PUBLIC_CHART_READ = """
INSERT INTO ab_permission_view_role (id, permission_view_id, role_id)
SELECT nextval('ab_permission_view_role_id_seq'), pv.id, r.id FROM ab_permission_view pv
JOIN ab_permission p ON p.id = pv.permission_id JOIN ab_view_menu v ON v.id = pv.view_menu_id
JOIN ab_role r ON r.name = 'Public'
WHERE p.name = 'can_read' AND v.name = 'Chart'
RETURNING id
"""


def test_anonymous_users_get_nothing_even_when_the_public_role_is_granted_a_permission(
    twin: Twin, chart: Chart
) -> None:
    url = f"{twin.superset_url()}/api/v1/chart/"
    assert requests.get(url, timeout=30).status_code == 401
    # psql prints the new row's id, then "INSERT 0 1"
    granted = twin.postgres().psql("superset", GRANT_PUBLIC_CHART_READ).splitlines()
    assert granted[1:] == ["INSERT 0 1"], granted  # Flask-AppBuilder's own manager would now answer 200
    try:
        assert requests.get(url, timeout=30).status_code == 401  # runtime/security_manager.py
    finally:
        twin.postgres().psql("superset", f"DELETE FROM ab_permission_view_role WHERE id = {granted[0]}")


def test_security_headers_on_the_login_page(twin: Twin) -> None:
    response = requests.get(f"{twin.superset_url()}/login/", timeout=10)
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "HttpOnly" in response.headers["Set-Cookie"]


def test_chart_data_comes_from_redis_the_second_time(twin: Twin, api: Api, chart: Chart) -> None:
    # a query no other test asks, so the first answer is fresh whatever ran before
    query_context = copy.deepcopy(chart.query_context)
    query_context["queries"][0]["row_limit"] = 99
    first = api.post("/api/v1/chart/data", query_context)
    second = api.post("/api/v1/chart/data", query_context)
    assert first.status_code == second.status_code == 200, first.text
    fresh, cached = first.json()["result"][0], second.json()["result"][0]
    assert (
        fresh["data"]
        == cached["data"]
        == [{"region": "south", "total": 20}, {"region": "north", "total": 15}]
    )
    assert not fresh["is_cached"]
    assert cached["is_cached"] is True
    # ...and the cached payload is a key in the data-cache database of the twin's Redis
    data_cache = redis.Redis(port=twin.options.ports.redis, db=REDIS_DATABASES["data_cache"])
    assert data_cache.exists(f"superset_local_data_cache_{cached['cache_key']}") == 1


def test_api_calls_are_logged_as_json_lines_and_browser_activity_in_the_database(
    twin: Twin, api: Api, chart: Chart
) -> None:
    def api_call_rows() -> int:
        return int(twin.postgres().psql("superset", "SELECT count(*) FROM logs WHERE action <> 'log'"))

    rows = api_call_rows()
    assert api.post("/api/v1/chart/data", chart.query_context).status_code == 200
    assert api_call_rows() == rows  # no database write per API call (runtime/event_logger.py)
    events = [
        json.loads(line.split("superset.events:", 1)[1])
        for line in (twin.logs / "web.log").read_text().splitlines()
        if "superset.events:" in line
    ]
    assert {"event": "ChartDataRestApi.data", "user_id": 1} in [
        {key: event.get(key) for key in ("event", "user_id")} for event in events
    ]

    # What the browser sends when Explore opens a chart, in a browser's (cookie) session: stored,
    # and Home's recent activity shows it.
    browser = requests.Session()
    base = twin.superset_url()
    form = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', browser.get(f"{base}/login/").text)
    assert form, "no CSRF token on the login page"
    headers = {"X-CSRFToken": form.group(1), "Referer": base}
    credentials = {
        "username": "admin",
        "password": twin.secrets()["admin_password"],
        "csrf_token": form.group(1),
    }
    assert browser.post(f"{base}/login/", data=credentials, headers=headers, timeout=30).url.endswith(
        "/welcome/"
    )
    browser_event = {
        "event_name": "mount_explorer",
        "slice_id": chart.chart_id,
        "ts": int(time.time() * 1000),
    }
    logged = browser.post(f"{base}/superset/log/?explode=events", data={"events": json.dumps([browser_event])},
                          headers=headers, timeout=30)  # fmt: skip
    assert logged.status_code == 200, logged.text
    recent = browser.get(f"{base}/api/v1/log/recent_activity/", timeout=30)
    assert recent.status_code == 200, recent.text
    assert [(item["action"], item["item_type"], item["item_title"]) for item in recent.json()["result"]] == [
        ("log", "slice", "Sales by region")
    ]


def test_sql_lab_runs_a_query(api: Api, chart: Chart) -> None:
    response = api.post("/api/v1/sqllab/execute/", {
        "database_id": chart.database_id, "schema": "public", "runAsync": False,
        "sql": "SELECT region, SUM(amount) AS total FROM sales GROUP BY region ORDER BY region",
    })  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["data"] == [{"region": "north", "total": 15}, {"region": "south", "total": 20}]


def test_celery_round_trip_for_an_async_query(twin: Twin, api: Api, chart: Chart) -> None:
    assert async_query_rows(api, chart, "e2eAsync1", "SELECT COUNT(*) AS n FROM sales") == [{"n": 3}]
    worker_log = (twin.logs / "worker.log").read_text()
    assert "sql_lab.get_sql_results" in worker_log and "succeeded" in worker_log


def test_beat_schedules_the_reports_job(twin: Twin) -> None:
    deadline = time.monotonic() + 90
    while "Sending due task reports.scheduler" not in (twin.logs / "beat.log").read_text():
        assert time.monotonic() < deadline, "beat sent no reports.scheduler task within 90 s"
        time.sleep(2)


def test_down_then_up_keeps_the_chart(twin: Twin, chart: Chart) -> None:
    stopped = twin.down()
    assert set(stopped) == {"postgres", "redis", "smtp", "web", "worker", "beat"}
    assert twin.secrets_file.exists()
    twin.up()
    api = login(twin.superset_url(), "admin", twin.secrets()["admin_password"])
    response = api.get(f"/api/v1/chart/{chart.chart_id}")
    assert response.status_code == 200
    assert response.json()["result"]["slice_name"] == "Sales by region"
