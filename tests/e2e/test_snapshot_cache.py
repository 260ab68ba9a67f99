"""The snapshot cache never serves what changed: every change is seen on the next request.

Each web worker keeps users with their roles and permissions, and datasets, between requests
(runtime/snapshot_cache.py). Here a user's permission is revoked by another process (a Superset
command, as `superset init` or an administrator's script would), granted again and the user
deactivated through the API (by whichever gunicorn worker takes that request), and a dataset gets
a new metric: the very next request, on either worker, sees each change.
"""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass

import requests

from benchmarks.client import Api
from superset_stack.local.twin import Twin
from tests.e2e.conftest import Chart

READER_PERMISSIONS = (("can_read", "Chart"), ("all_datasource_access", "all_datasource_access"))
# A Superset process of its own, as `superset init` or an administrator's script: revokes a permission.
REVOKE = """
import sys
from superset.app import create_app
app = create_app()
with app.app_context():
    from superset import security_manager
    role = security_manager.find_role(sys.argv[1])
    security_manager.del_permission_role(role, security_manager.find_permission_view_menu("can_read", "Chart"))
"""
FRESH_CONNECTIONS = 8  # each request on a new connection: gunicorn hands them to either worker


def permission_ids(twin: Twin) -> list[str]:
    pairs = ", ".join(f"('{permission}', '{view}')" for permission, view in READER_PERMISSIONS)
    listed = twin.postgres().psql(
        "superset",
        "SELECT pv.id FROM ab_permission_view pv JOIN ab_permission p ON p.id = pv.permission_id "
        f"JOIN ab_view_menu v ON v.id = pv.view_menu_id WHERE (p.name, v.name) IN ({pairs})",
    )
    return [line.strip() for line in listed.splitlines() if line.strip().isdigit()]


@dataclass
class Reader:
    role: int
    role_name: str
    user: int
    username: str
    password: str


def chart_reader(twin: Twin, api: Api) -> Reader:
    """A role that may read charts and every dataset, and a user who has only that role."""
    name = f"chart readers {uuid.uuid4().hex[:8]}"
    role = api.create("/api/v1/security/roles/", {"name": name})
    ids = [int(i) for i in permission_ids(twin)]
    assert len(ids) == len(READER_PERMISSIONS), ids
    granted = api.post(f"/api/v1/security/roles/{role}/permissions", {"permission_view_menu_ids": ids})
    assert granted.status_code == 200, granted.text
    username, password = f"reader-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    user = api.create("/api/v1/security/users/", {
        "first_name": "Chart", "last_name": "Reader", "username": username, "email": f"{username}@example.com",
        "password": password, "active": True, "roles": [role],
    })  # fmt: skip
    return Reader(role, name, user, username, password)


def bearer(twin: Twin, reader: Reader) -> dict[str, str]:
    """The reader's API token (a reader may not ask for a CSRF token; chart data needs none)."""
    response = requests.post(
        f"{twin.superset_url()}/api/v1/security/login",
        json={"username": reader.username, "password": reader.password, "provider": "db"},
        timeout=30,
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def chart_data(twin: Twin, headers: dict[str, str], chart: Chart, times: int = 1) -> set[int]:
    """The statuses of chart data asked `times` times, each time on a new connection."""
    url = f"{twin.superset_url()}/api/v1/chart/data"
    return {
        requests.post(url, json=chart.query_context, headers=headers, timeout=60).status_code
        for _ in range(times)
    }


def test_a_permission_revoked_elsewhere_is_refused_on_the_next_request(
    twin: Twin, api: Api, chart: Chart
) -> None:
    created = chart_reader(twin, api)
    reader = bearer(twin, created)
    try:
        # both workers now hold the reader's snapshot
        assert chart_data(twin, reader, chart, FRESH_CONNECTIONS) == {200}
        revoked = subprocess.run(
            [str(twin.options.runtime / "bin" / "python"), "-c", REVOKE, created.role_name],
            env=twin.process_environment(), capture_output=True, text=True, check=False, timeout=180,
        )  # fmt: skip
        assert revoked.returncode == 0, revoked.stderr[-2000:]
        assert chart_data(twin, reader, chart) == {403}
        assert chart_data(twin, reader, chart, FRESH_CONNECTIONS) == {403}
        # a grant is seen as soon: the permission back through the API, served by either worker
        ids = [int(i) for i in permission_ids(twin)]
        regranted = api.post(
            f"/api/v1/security/roles/{created.role}/permissions", {"permission_view_menu_ids": ids}
        )
        assert regranted.status_code == 200, regranted.text
        assert chart_data(twin, reader, chart) == {200}
        assert chart_data(twin, reader, chart, FRESH_CONNECTIONS) == {200}
        # a deactivated user is refused at once, their unexpired token notwithstanding
        deactivated = api.session.put(
            f"{api.base}/api/v1/security/users/{created.user}", json={"active": False}, timeout=60
        )
        assert deactivated.status_code == 200, deactivated.text
        assert chart_data(twin, reader, chart) == {401}
        assert chart_data(twin, reader, chart, FRESH_CONNECTIONS) == {401}
    finally:
        api.session.delete(f"{api.base}/api/v1/security/users/{created.user}", timeout=60)
        api.session.delete(f"{api.base}/api/v1/security/roles/{created.role}", timeout=60)


def test_a_new_metric_is_served_on_the_next_request(twin: Twin, api: Api, chart: Chart) -> None:
    admin = dict(api.session.headers)
    assert chart_data(twin, admin, chart, FRESH_CONNECTIONS) == {200}  # both workers hold the dataset
    dataset = api.get(f"/api/v1/dataset/{chart.dataset_id}").json()["result"]
    metrics = [
        {key: metric[key] for key in ("id", "metric_name", "expression")} for metric in dataset["metrics"]
    ]
    metric_name = f"doubled_{uuid.uuid4().hex[:6]}"
    metrics.append({"metric_name": metric_name, "expression": "SUM(amount) * 2"})
    updated = api.session.put(
        f"{api.base}/api/v1/dataset/{chart.dataset_id}", json={"metrics": metrics}, timeout=60
    )
    assert updated.status_code == 200, updated.text
    query = {**chart.query_context["queries"][0], "metrics": [metric_name], "orderby": []}
    doubled = Chart(
        chart.database_id, chart.dataset_id, chart.chart_id, {**chart.query_context, "queries": [query]}
    )
    assert chart_data(twin, admin, doubled, FRESH_CONNECTIONS) == {200}
    rows = api.post("/api/v1/chart/data", doubled.query_context).json()["result"][0]["data"]
    assert {row["region"]: row[metric_name] for row in rows} == {"north": 30, "south": 40}
